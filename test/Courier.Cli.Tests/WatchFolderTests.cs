using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary><c>courier serve</c> with <c>Ingest:WatchFolder</c>: drops are ingested and moved to done/, bad ones to failed/ with the reason.</summary>
public sealed class WatchFolderTests
{
    [Fact]
    public async Task A_dropped_video_is_ingested_and_moved_to_done_and_a_bad_drop_goes_to_failed_with_its_reason()
    {
        using var sandbox = new Sandbox("watch");
        sandbox.WriteConfig(
            new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") },
            courier => courier["Ingest"] = new JsonObject
            {
                ["WatchFolder"] = "incoming",
                ["WatchInterval"] = "00:00:00.200",
                ["SettleTime"] = "00:00:01",
                ["Ladder"] = "360p,720p",
                ["Ffmpeg"] = new JsonObject { ["Preset"] = "ultrafast" },
            });
        var clip = await Clips.GenerateAsync(Path.Combine(sandbox.Dir, "staging/trailer 7.mp4"), 1280, 720, 2);
        var notes = sandbox.WriteText("staging/notes.mp4", "not a video\n");
        var incoming = Path.Combine(sandbox.Media, "incoming");
        Directory.CreateDirectory(incoming);
        await using var serve = sandbox.Start("serve");

        File.Move(clip, Path.Combine(incoming, "trailer 7.mp4"));
        File.Move(notes, Path.Combine(incoming, "notes.mp4"));

        await Eventually.WaitAsync(
            () => Task.FromResult(File.Exists(Path.Combine(incoming, "done/trailer 7.mp4")) && File.Exists(Path.Combine(incoming, "failed/notes.mp4.error"))),
            TimeSpan.FromSeconds(90),
            "the drops handled",
            () => $"files: {string.Join(", ", Files.List(incoming))}\n--- serve stderr ---\n{serve.Stderr}");
        File.Exists(Path.Combine(incoming, "trailer 7.mp4")).ShouldBeFalse();
        File.Exists(Path.Combine(incoming, "failed/notes.mp4")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(incoming, "failed/notes.mp4.error")).ShouldStartWith("'notes.mp4' is not a video");
        Files.List(Path.Combine(incoming, "processing")).ShouldBeEmpty();
        File.ReadAllLines(Path.Combine(sandbox.Dir, "targets/archive/trailer-7/master.m3u8")).Where(l => !l.StartsWith('#')).ShouldBe(["360p/index.m3u8", "720p/index.m3u8"]);
        var status = await sandbox.StatusAsync("trailer-7");
        status.GetProperty("state").GetString().ShouldBe("distributed");
        (await sandbox.RunAsync("status", "notes")).ExitCode.ShouldBe(2, "a bad drop stores nothing");
    }

    [Fact]
    public async Task A_drop_being_transcoded_when_serve_is_killed_is_ingested_after_restart()
    {
        using var sandbox = new Sandbox("watch-kill");
        sandbox.WriteConfig(
            new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") },
            courier =>
            {
                courier["Scan"] = new JsonObject { ["Interval"] = "00:00:01", ["LeaseTimeout"] = "00:00:03" };
                courier["Ingest"] = new JsonObject
                {
                    ["WatchFolder"] = "incoming",
                    ["WatchInterval"] = "00:00:00.200",
                    ["SettleTime"] = "00:00:01",
                    ["Ffmpeg"] = new JsonObject { ["Preset"] = "ultrafast" },
                };
            });
        var clip = await Clips.GenerateAsync(Path.Combine(sandbox.Dir, "staging/feature.mp4"), 1920, 1080, 8);
        var incoming = Path.Combine(sandbox.Media, "incoming");
        Directory.CreateDirectory(incoming);
        var first = sandbox.Start("serve");
        File.Move(clip, Path.Combine(incoming, "feature.mp4"));

        // Mid-transcode: the drop is claimed and ffmpeg is writing one of the ladder's rungs.
        await Eventually.WaitAsync(
            () => Task.FromResult(File.Exists(Path.Combine(incoming, "processing/feature.mp4"))
                && Directory.Exists(Path.Combine(sandbox.Media, "feature/ingest-1"))
                && Directory.EnumerateDirectories(Path.Combine(sandbox.Media, "feature/ingest-1"), "*.partial").Any()),
            TimeSpan.FromSeconds(60),
            "a transcode under way",
            () => first.Stderr);
        first.Kill();
        await first.DisposeAsync();
        File.Exists(Path.Combine(incoming, "done/feature.mp4")).ShouldBeFalse("killed before the ingest ended");

        await using var second = sandbox.Start("serve");
        await Eventually.WaitAsync(
            () => Task.FromResult(File.Exists(Path.Combine(incoming, "done/feature.mp4"))),
            TimeSpan.FromSeconds(120),
            "the drop ingested after the restart",
            () => second.Stderr);

        var status = await sandbox.StatusAsync("feature");
        status.GetProperty("state").GetString().ShouldBe("distributed");
        status.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("rendition").GetString()).Order().ShouldBe(["1080p", "360p", "720p"]);
        File.ReadAllText(Path.Combine(sandbox.Dir, "targets/archive/feature/master.m3u8"))
            .ShouldBe(File.ReadAllText(Path.Combine(sandbox.Media, "feature/ingest-2/master.m3u8")));
        Files.List(Path.Combine(incoming, "processing")).ShouldBeEmpty();
    }
}
