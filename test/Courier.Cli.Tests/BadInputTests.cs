using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>Bad input: exit 2, one line on stderr that names what is wrong, and nothing stored.</summary>
public sealed class BadInputTests
{
    public static TheoryData<string, string[], string> CommandLines => new()
    {
        { "unknown target", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--target", "nope"], "unknown target 'nope' (configured: archive)" },
        { "rendition path missing", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/missing.mp4"], "--rendition 360p: rendition path 'movie-42/missing.mp4' does not exist under the source root" },
        { "absolute path", ["distribute", "--video", "movie-42", "--rendition", "360p={media}/movie-42/360p.mp4"], "must be relative to the source root, not absolute" },
        { "dot-dot escape", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/../../outside.mp4"], "must not contain '..'" },
        { "symlink out of the source root", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/link.mp4"], "escapes the source root (through a symbolic link)" },
        { "symlink inside a package", ["distribute", "--video", "movie-42", "--rendition", "1080p=movie-42/linked-package/"], "escapes the source root (through a symbolic link)" },
        { "duplicate rendition names", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--rendition", "360p=movie-42/360p.mp4"], "rendition '360p' is given twice" },
        { "invalid video id", ["distribute", "--video", "movie 42!", "--rendition", "360p=movie-42/360p.mp4"], "--video 'movie 42!' must be 1-128 of A-Z a-z 0-9 . _ -" },
        { "empty rendition directory", ["distribute", "--video", "movie-42", "--rendition", "1080p=movie-42/empty/"], "rendition directory 'movie-42/empty/' is empty" },
        { "rendition without '='", ["distribute", "--video", "movie-42", "--rendition", "movie-42/360p.mp4"], "--rendition 'movie-42/360p.mp4' must be NAME=PATH" },
        { "unknown option", ["distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { "unknown verb", ["distrbute", "--video", "movie-42"], "Unrecognized command or argument 'distrbute'" },
        { "missing --video", ["distribute", "--rendition", "360p=movie-42/360p.mp4"], "Option '--video' is required" },
        { "bad --state", ["queue", "--state", "lost"], "Argument 'lost' not recognized" },
        { "retry without what", ["retry"], "retry needs --delivery ID or --dead" },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public async Task Bad_command_line_exits_2_with_one_line_and_stores_nothing(string what, string[] args, string message)
    {
        using var sandbox = Prepare(what);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });

        var result = await sandbox.RunAsync(args.Select(a => a.Replace("{media}", sandbox.Media, StringComparison.Ordinal)).ToArray());

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StderrLines.ShouldHaveSingleItem().ShouldContain(message, Case.Sensitive, result.ToString());
        result.Stdout.ShouldBeEmpty();
        await ShouldHaveStoredNothingAsync(sandbox);
    }

    [Fact]
    public async Task Named_configuration_file_that_is_missing_exits_2()
    {
        using var sandbox = Prepare("missing-config");

        var result = await sandbox.RunAsync("status", "movie-42", "--config", "elsewhere.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StderrLines.ShouldHaveSingleItem().ShouldContain("elsewhere.json' does not exist");
    }

    [Fact]
    public async Task Status_of_an_unknown_video_exits_2_with_no_such_video()
    {
        using var sandbox = Prepare("status-unknown");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });

        var human = await sandbox.RunAsync("status", "movie-404");
        var json = await sandbox.RunAsync("status", "movie-404", "--json");

        foreach (var result in new[] { human, json })
        {
            result.ExitCode.ShouldBe(2, result.ToString());
            result.StderrLines.ShouldHaveSingleItem().ShouldBe("courier: no such video 'movie-404'");
            result.Stdout.ShouldBeEmpty();
        }
    }

    /// <summary>A sandbox with a good rendition, an empty directory, and symbolic links that lead out of the source root.</summary>
    internal static Sandbox Prepare(string what)
    {
        var sandbox = new Sandbox("bad-" + new string(what.Where(char.IsAsciiLetterOrDigit).ToArray()));
        sandbox.WriteMedia("movie-42/360p.mp4", 1_000);
        Directory.CreateDirectory(Path.Combine(sandbox.Media, "movie-42/empty"));
        var outside = Path.Combine(sandbox.Dir, "outside.mp4");
        File.WriteAllBytes(outside, new byte[100]);
        File.CreateSymbolicLink(Path.Combine(sandbox.Media, "movie-42/link.mp4"), outside);
        sandbox.WriteMedia("movie-42/linked-package/seg_000.ts", 1_000);
        File.CreateSymbolicLink(Path.Combine(sandbox.Media, "movie-42/linked-package/index.m3u8"), outside);
        return sandbox;
    }

    internal static async Task ShouldHaveStoredNothingAsync(Sandbox sandbox)
    {
        var status = await sandbox.RunAsync("status", "movie-42");
        status.ExitCode.ShouldBe(2, status.ToString());
        status.Stderr.ShouldContain("no such video 'movie-42'");
        Files.List(Path.Combine(sandbox.Dir, "targets")).ShouldBeEmpty();
    }
}
