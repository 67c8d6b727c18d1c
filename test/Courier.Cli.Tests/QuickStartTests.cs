using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>The README's quick start: <c>courier init &amp;&amp; courier sample &amp;&amp; courier distribute …</c>.</summary>
public sealed class QuickStartTests
{
    [Fact]
    public async Task Quick_start_init_sample_distribute_delivers_to_both_starter_targets()
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

        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--rendition", "1080p=movie-42/hls-1080p/");

        distribute.ExitCode.ShouldBe(0, distribute.ToString());
        distribute.Stdout.ShouldContain("movie-42 v1: 4 delivered, 0 queued, 0 dead");
        foreach (var target in new[] { "targets/archive", "targets/cdn-local" })
        {
            Files.ShouldBeIdentical(Path.Combine(sandbox.Dir, target, "movie-42/1080p/index.m3u8"), Path.Combine(sandbox.Media, "movie-42/hls-1080p/index.m3u8"));
            Files.ShouldBeIdentical(Path.Combine(sandbox.Dir, target, "movie-42/360p/360p.mp4"), Path.Combine(sandbox.Media, "movie-42/360p.mp4"));
        }
    }
}
