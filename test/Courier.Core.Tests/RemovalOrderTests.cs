using Courier.Core.Sources;

namespace Courier.Core.Tests;

public sealed class RemovalOrderTests
{
    [Fact]
    public void Multivariant_playlist_first_then_variant_playlists_then_segments()
    {
        string[] keys =
        [
            "movie-42/720p/seg_001.ts", "movie-42/720p/index.m3u8", "movie-42/master.m3u8",
            "movie-42/1080p/seg_000.ts", "movie-42/1080p/index.m3u8", "movie-42/720p/seg_000.ts",
        ];

        RemovalOrder.Sort(keys).ShouldBe(
        [
            "movie-42/master.m3u8",
            "movie-42/1080p/index.m3u8", "movie-42/720p/index.m3u8",
            "movie-42/1080p/seg_000.ts", "movie-42/720p/seg_000.ts", "movie-42/720p/seg_001.ts",
        ]);
    }

    [Fact]
    public void A_playlist_above_other_playlists_names_them_even_when_not_called_master()
    {
        string[] keys = ["movie-42/hls/v1/prog.m3u8", "movie-42/hls/v1/a.ts", "movie-42/hls/main.m3u8", "movie-42/hls/v2/prog.m3u8"];

        RemovalOrder.Sort(keys).ShouldBe(["movie-42/hls/main.m3u8", "movie-42/hls/v1/prog.m3u8", "movie-42/hls/v2/prog.m3u8", "movie-42/hls/v1/a.ts"]);
    }

    [Fact]
    public void A_directory_prefix_counts_only_on_whole_segments()
    {
        // movie-4/ is not above movie-42/: its playlist names nothing there.
        string[] keys = ["movie-42/720p/index.m3u8", "movie-4/index.m3u8", "movie-4/seg.ts"];

        RemovalOrder.Sort(keys).ShouldBe(["movie-4/index.m3u8", "movie-42/720p/index.m3u8", "movie-4/seg.ts"]);
    }

    [Fact]
    public void What_the_caller_knows_about_playlists_decides()
    {
        string[] keys = ["v/audio.m3u8", "v/all.m3u8", "v/manifest.mpd", "v/init.mp4", "v/master.m3u8"];

        var sorted = RemovalOrder.Sort(keys, key => key == "v/all.m3u8");

        sorted.ShouldBe(["v/all.m3u8", "v/audio.m3u8", "v/manifest.mpd", "v/master.m3u8", "v/init.mp4"]);
    }

    [Fact]
    public void Is_the_reverse_of_the_push_order_by_kind()
    {
        using var root = new TempDirectory();
        root.Write("pkg/seg_000.ts", "segment");
        root.Write("pkg/720p/index.m3u8", "#EXTM3U\nseg.ts\n");
        root.Write("pkg/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n");
        var files = new SourceResolver(root.Path).Resolve("hls", "pkg", "path").Files;

        var pushed = PushOrder.Sort(files).Select(f => f.RelativePath).ToList();
        var removed = RemovalOrder.Sort(pushed);

        pushed.ShouldBe(["seg_000.ts", "720p/index.m3u8", "master.m3u8"]);
        removed.ShouldBe(["master.m3u8", "720p/index.m3u8", "seg_000.ts"]);
    }

    [Fact]
    public void Repeated_keys_are_removed_once()
    {
        RemovalOrder.Sort(["a/seg.ts", "a/index.m3u8", "a/seg.ts"]).ShouldBe(["a/index.m3u8", "a/seg.ts"]);
    }
}
