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
}
