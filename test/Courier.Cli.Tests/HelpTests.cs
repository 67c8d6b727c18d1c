using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

public sealed class HelpTests
{
    public static TheoryData<string, string[]> Verbs => new()
    {
        { "serve", ["--config", "--verbose"] },
        { "distribute", ["--video", "--rendition", "--target", "--json", "--config", "NAME=PATH"] },
        { "status", ["<ID>", "--json", "--config"] },
        { "queue", ["--state", "--target", "--json", "--config", "queued|dead"] },
        { "retry", ["--delivery", "--dead", "--target", "--config"] },
        { "stats", ["--json", "--config"] },
        { "sample", ["--dir", "--video", "--config"] },
        { "init", ["--force", "--config"] },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Help_of_every_verb_exits_0_names_its_options_and_has_no_escape_codes(string verb, string[] options)
    {
        using var sandbox = new Sandbox("help-" + verb);
        sandbox.Environment["TERM"] = "xterm-256color";

        var result = await sandbox.RunAsync(verb, "--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain($"courier {verb}");
        foreach (var option in options)
        {
            result.Stdout.ShouldContain(option, Case.Sensitive, result.ToString());
        }

        result.Stdout.ShouldNotContain("\u001b");
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Help_of_courier_lists_every_verb()
    {
        using var sandbox = new Sandbox("help");

        var result = await sandbox.RunAsync("--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        foreach (var verb in new[] { "serve", "distribute", "status", "queue", "retry", "stats", "sample", "init" })
        {
            result.Stdout.ShouldContain("  " + verb);
        }

        result.Stdout.ShouldNotContain("\u001b");
    }

    [Fact]
    public async Task Init_and_sample_make_the_quick_start_ready_to_distribute()
    {
        using var sandbox = new Sandbox("quickstart");

        var init = await sandbox.RunAsync("init");
        var sample = await sandbox.RunAsync("sample", "--synthetic");
        var again = await sandbox.RunAsync("init");

        init.ExitCode.ShouldBe(0, init.ToString());
        sample.ExitCode.ShouldBe(0, sample.ToString());
        sample.Stdout.ShouldContain("synthetic bytes");
        again.ExitCode.ShouldBe(0, again.ToString());
        again.Stdout.ShouldContain("already exists; left as it is");
        Files.List(Path.Combine(sandbox.Media, "movie-42")).ShouldBe(["360p.mp4", "hls-1080p/index.m3u8", "hls-1080p/seg_000.ts", "hls-1080p/seg_001.ts", "hls-1080p/seg_002.ts", "hls-1080p/seg_003.ts", "hls-1080p/seg_004.ts", "hls-1080p/seg_005.ts"]);
        File.ReadAllText(Path.Combine(sandbox.Media, "movie-42/hls-1080p/index.m3u8")).ShouldContain("seg_005.ts");
        Directory.Exists(Path.Combine(sandbox.Dir, "targets/archive")).ShouldBeTrue();
        Directory.Exists(Path.Combine(sandbox.Dir, "targets/cdn-local")).ShouldBeTrue();
    }
}
