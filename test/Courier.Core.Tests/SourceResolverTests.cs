using Courier.Core.Domain;
using Courier.Core.Sources;

namespace Courier.Core.Tests;

public sealed class SourceResolverTests : IDisposable
{
    private readonly TempDirectory _outside = new();
    private readonly TempDirectory _root = new();

    public void Dispose()
    {
        _root.Dispose();
        _outside.Dispose();
    }

    private SourceResolver Resolver => new(_root.Path);

    [Fact]
    public void Single_file_keeps_its_file_name()
    {
        _root.Write("movie-42/360p.mp4", "video bytes");

        var content = Resolver.Resolve("360p", "movie-42/360p.mp4", "path");

        content.Kind.ShouldBe(RenditionKind.File);
        content.Files.Select(f => f.RelativePath).ShouldBe(["360p.mp4"]);
        content.TotalBytes.ShouldBe(11);
    }

    [Fact]
    public void Package_keeps_its_inner_layout_with_segments_first_and_master_playlist_last()
    {
        _root.Write("movie-42/hls/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n");
        _root.Write("movie-42/hls/v/index.m3u8", "#EXTM3U\nseg_001.ts\nseg_002.ts\n");
        _root.Write("movie-42/hls/v/seg_002.ts", "b");
        _root.Write("movie-42/hls/v/seg_001.ts", "a");
        _root.Write("movie-42/hls/manifest.mpd", "<MPD/>");

        var content = Resolver.Resolve("1080p", "movie-42/hls/", "path");

        content.Kind.ShouldBe(RenditionKind.Package);
        content.Files.Select(f => f.RelativePath).ShouldBe(["v/seg_001.ts", "v/seg_002.ts", "manifest.mpd", "v/index.m3u8", "master.m3u8"]);
    }

    [Fact]
    public void Same_files_give_the_same_fingerprint_and_changed_files_another()
    {
        _root.Write("a/1.ts", "one");
        var first = Resolver.Resolve("r", "a", "path").Fingerprint;
        Resolver.Resolve("r", "a", "path").Fingerprint.ShouldBe(first);

        _root.Write("a/1.ts", "one more");

        Resolver.Resolve("r", "a", "path").Fingerprint.ShouldNotBe(first);
    }

    [Theory]
    [InlineData("../secret.mp4", "must not contain '..'")]
    [InlineData("movie/../../secret.mp4", "must not contain '..'")]
    [InlineData("/etc/passwd", "not absolute")]
    [InlineData("", "is required")]
    [InlineData("movie\0.mp4", "control characters")]
    [InlineData("missing.mp4", "does not exist")]
    public void Refused_paths_are_bad_input_with_a_reason(string path, string reason)
    {
        var error = Should.Throw<BadInputException>(() => Resolver.Resolve("r", path, "renditions[0].path"));

        error.Field.ShouldBe("renditions[0].path");
        error.Message.ShouldContain(reason);
    }

    [Fact]
    public void Symbolic_link_out_of_the_source_root_is_refused()
    {
        var secret = _outside.Write("secret.mp4", "not yours");
        File.CreateSymbolicLink(System.IO.Path.Combine(_root.Path, "link.mp4"), secret);

        var error = Should.Throw<BadInputException>(() => Resolver.Resolve("r", "link.mp4", "path"));

        error.Message.ShouldContain("escapes the source root");
    }

    [Fact]
    public void Symbolic_link_to_a_directory_out_of_the_root_is_refused()
    {
        _outside.Write("pkg/index.m3u8", "#EXTM3U");
        Directory.CreateSymbolicLink(System.IO.Path.Combine(_root.Path, "pkg"), System.IO.Path.Combine(_outside.Path, "pkg"));

        Should.Throw<BadInputException>(() => Resolver.Resolve("r", "pkg", "path")).Message.ShouldContain("escapes the source root");
    }

    [Fact]
    public void Symbolic_link_inside_a_package_pointing_out_is_refused()
    {
        _root.Write("pkg/seg_001.ts", "a");
        var secret = _outside.Write("secret.ts", "not yours");
        File.CreateSymbolicLink(System.IO.Path.Combine(_root.Path, "pkg", "seg_002.ts"), secret);

        Should.Throw<BadInputException>(() => Resolver.Resolve("r", "pkg", "path")).Message.ShouldContain("escapes the source root");
    }

    [Fact]
    public void Symbolic_link_within_the_root_is_followed()
    {
        _root.Write("real/360p.mp4", "video");
        File.CreateSymbolicLink(System.IO.Path.Combine(_root.Path, "alias.mp4"), System.IO.Path.Combine(_root.Path, "real", "360p.mp4"));

        var content = Resolver.Resolve("360p", "alias.mp4", "path");

        content.TotalBytes.ShouldBe(5);
    }

    [Fact]
    public void Symbolic_link_to_a_single_file_is_published_under_the_link_s_own_name()
    {
        // A media library that keeps content-addressed blobs and links readable names to them.
        _root.Write("blobs/3f9a0c.bin", "video");
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "movie-42"));
        File.CreateSymbolicLink(System.IO.Path.Combine(_root.Path, "movie-42", "720p.mp4"), System.IO.Path.Combine(_root.Path, "blobs", "3f9a0c.bin"));

        var file = Resolver.Resolve("720p", "movie-42/720p.mp4", "path").Files.ShouldHaveSingleItem();

        file.RelativePath.ShouldBe("720p.mp4", "the key at the target is the name the caller gave, not the blob's");
        file.FullPath.ShouldBe(System.IO.Path.Combine(_root.Path, "blobs", "3f9a0c.bin"));
        file.Length.ShouldBe(5);
    }

    [Fact]
    public void Empty_package_directory_is_refused()
    {
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "empty"));

        Should.Throw<BadInputException>(() => Resolver.Resolve("r", "empty/", "path")).Message.ShouldContain("is empty");
    }

    [Fact]
    public void Source_gone_at_push_time_is_source_missing()
    {
        _root.Write("gone.mp4", "x");
        var resolver = Resolver;
        resolver.Resolve("r", "gone.mp4", "path");
        File.Delete(System.IO.Path.Combine(_root.Path, "gone.mp4"));

        Should.Throw<SourceMissingException>(() => resolver.Reopen("r", "gone.mp4"));
    }

    [Theory]
    [InlineData("plain file", true)]
    [InlineData("link within the root", true)]
    [InlineData("link to a blob", true)]
    [InlineData("package", true)]
    [InlineData("link out of the root", false)]
    [InlineData("directory linked out of the root", false)]
    [InlineData("named pipe", false)]
    [InlineData("missing", false)]
    [InlineData("dot-dot", false)]
    public void Reopening_finds_what_resolving_found_or_refuses_it_for_the_same_reason(string layout, bool found)
    {
        var path = Lay(layout);
        var resolver = Resolver;
        RenditionContent? resolved = null;
        string? refusal = null;
        try
        {
            resolved = resolver.Resolve("720p", path, "path");
        }
        catch (BadInputException e)
        {
            refusal = e.Message;
        }

        (resolved is not null).ShouldBe(found);
        if (resolved is null)
        {
            Should.Throw<SourceMissingException>(() => resolver.Reopen("720p", path)).Message.ShouldBe($"source of rendition 720p is gone: {refusal}");
            return;
        }

        var reopened = resolver.Reopen("720p", path);
        (reopened.Name, reopened.Kind, reopened.SourcePath, reopened.TotalBytes, reopened.Fingerprint)
            .ShouldBe((resolved.Name, resolved.Kind, resolved.SourcePath, resolved.TotalBytes, resolved.Fingerprint));
        reopened.Files.ShouldBe(resolved.Files);
    }

    /// <summary>Lays out one rendition under the root as <paramref name="layout"/> says; answers its path.</summary>
    private string Lay(string layout)
    {
        switch (layout)
        {
            case "plain file":
                _root.Write("movie-42/720p.mp4", "video bytes");
                return "movie-42/720p.mp4";
            case "link within the root":
                _root.Write("real/720p.mp4", "video");
                Directory.CreateDirectory(_root.Combine("movie-42"));
                Directory.CreateSymbolicLink(_root.Combine("movie-42", "current"), _root.Combine("real"));
                return "movie-42/current/720p.mp4";
            case "link to a blob":
                _root.Write("blobs/3f9a0c.bin", "video");
                Directory.CreateDirectory(_root.Combine("movie-42"));
                File.CreateSymbolicLink(_root.Combine("movie-42", "720p.mp4"), _root.Combine("blobs", "3f9a0c.bin"));
                return "movie-42/720p.mp4";
            case "package":
                _root.Write("movie-42/hls/seg_001.ts", "a");
                _root.Write("movie-42/hls/index.m3u8", "#EXTM3U");
                return "movie-42/hls";
            case "link out of the root":
                File.CreateSymbolicLink(_root.Combine("720p.mp4"), _outside.Write("secret.mp4", "not yours"));
                return "720p.mp4";
            case "directory linked out of the root":
                _outside.Write("movie-42/720p.mp4", "not yours");
                Directory.CreateSymbolicLink(_root.Combine("movie-42"), _outside.Combine("movie-42"));
                return "movie-42/720p.mp4";
            case "named pipe":
                Directory.CreateDirectory(_root.Combine("movie-42"));
                NamedPipe.Make(_root.Combine("movie-42", "720p.mp4"));
                return "movie-42/720p.mp4";
            case "missing":
                return "movie-42/720p.mp4";
            default:
                _outside.Write("720p.mp4", "not yours");
                return "../" + System.IO.Path.GetFileName(_outside.Path) + "/720p.mp4";
        }
    }
}
