using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Ingest;
using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Core.Tests;

/// <summary>Ingest through the core, with the real ffmpeg, a real SQLite store and real filesystem targets.</summary>
public sealed class IngestTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly Dictionary<string, string?> Ultrafast = new() { ["Ingest:Ffmpeg:Preset"] = "ultrafast" };

    [Fact]
    public async Task Every_rendition_of_an_ingest_joins_one_version_and_master_is_published_where_all_are_delivered()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north", "south"], Ultrafast);
        await Clips.GenerateAsync(Path.Combine(courier.SourceRoot, "raw/movie-42.mp4"), 1920, 1080, 5);
        var ingest = courier.Services.GetRequiredService<IngestService>();

        var report = await ingest.IngestAsync(new IngestRequest("movie-42", "raw/movie-42.mp4"), null, None);

        report.Directory.ShouldBe("movie-42/ingest-1");
        report.Renditions.Select(r => (r.Name, r.Width, r.Height)).ShouldBe([("360p", 640, 360), ("720p", 1280, 720), ("1080p", 1920, 1080)]);
        report.Video.Version.ShouldBe(1);
        report.Video.State.ShouldBe(VideoState.Distributed);
        report.Video.Deliveries.Count.ShouldBe(6);
        report.AvailableAt.ShouldBe(["north", "south"]);
        foreach (var target in new[] { "north", "south" })
        {
            var master = Path.Combine(courier.TargetRoot(target), "movie-42/master.m3u8");
            File.ReadAllText(master).ShouldBe(File.ReadAllText(Path.Combine(courier.SourceRoot, "movie-42/ingest-1/master.m3u8")));
            var lines = File.ReadAllLines(master);
            lines.Where(l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)).ShouldBe(
            [
                .. new[] { ("640x360", "avc1.64001e"), ("1280x720", "avc1.64001f"), ("1920x1080", "avc1.640028") }
                    .Select(v => lines.Single(l => l.Contains($"RESOLUTION={v.Item1},CODECS=\"{v.Item2},mp4a.40.2\"", StringComparison.Ordinal))),
            ]);
            lines.Where(l => !l.StartsWith('#')).ShouldBe(["360p/index.m3u8", "720p/index.m3u8", "1080p/index.m3u8"]);
            var probe = JsonDocument.Parse(await Clips.RunAsync("ffprobe", ["-v", "error", "-show_programs", "-of", "json", master])).RootElement;
            probe.GetProperty("programs").GetArrayLength().ShouldBe(3, "ffprobe reads three variants through the published master");
        }

        var available = (await courier.Store.ReadEventsAsync(0, 100, None)).Where(e => e.Type == EventTypes.VideoAvailable).ToList();
        available.Count.ShouldBe(2);
        var targets = new List<string>();
        foreach (var e in available)
        {
            targets.Add((await courier.Store.GetDeliveryAsync(e.DeliveryId!.Value, None))!.Target);
        }

        targets.Order().ShouldBe(["north", "south"]);
    }

    [Fact]
    public async Task A_720p_source_yields_no_1080p()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"], Ultrafast);
        await Clips.GenerateAsync(Path.Combine(courier.SourceRoot, "raw/small.mp4"), 1280, 720, 2);
        var ingest = courier.Services.GetRequiredService<IngestService>();

        var report = await ingest.IngestAsync(new IngestRequest("small", "raw/small.mp4"), null, None);

        report.Renditions.Select(r => r.Name).ShouldBe(["360p", "720p"]);
        report.Video.Deliveries.Select(d => d.Rendition).Order().ShouldBe(["360p", "720p"]);
        Directory.Exists(Path.Combine(courier.TargetRoot("north"), "small/1080p")).ShouldBeFalse();
        File.ReadAllLines(Path.Combine(courier.TargetRoot("north"), "small/master.m3u8")).Where(l => !l.StartsWith('#')).ShouldBe(["360p/index.m3u8", "720p/index.m3u8"]);
    }

    [Fact]
    public async Task A_text_file_named_mp4_is_bad_input_and_nothing_is_stored_or_written()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"], Ultrafast);
        courier.WriteSource("raw/notes.mp4", "not a video at all\n");
        var ingest = courier.Services.GetRequiredService<IngestService>();

        var e = await Should.ThrowAsync<BadInputException>(() => ingest.IngestAsync(new IngestRequest("notes", "raw/notes.mp4"), null, None));

        e.Field.ShouldBe("source");
        e.Message.ShouldStartWith("'notes.mp4' is not a video");
        (await courier.Store.GetVideoAsync("notes", None)).ShouldBeNull();
        Directory.Exists(Path.Combine(courier.SourceRoot, "notes")).ShouldBeFalse();
        Directory.EnumerateFileSystemEntries(courier.TargetRoot("north"), "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Master_waits_for_the_last_rendition_the_scanner_delivers_later()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north", "south"], Ultrafast);
        await Clips.GenerateAsync(Path.Combine(courier.SourceRoot, "raw/movie-7.mp4"), 1280, 720, 2);
        // A file where the target needs a directory: every write to north fails until it is removed.
        Directory.CreateDirectory(courier.TargetRoot("north"));
        File.WriteAllText(Path.Combine(courier.TargetRoot("north"), "movie-7"), "in the way");
        var ingest = courier.Services.GetRequiredService<IngestService>();

        var report = await ingest.IngestAsync(new IngestRequest("movie-7", "raw/movie-7.mp4", ["360p", "720p"]), null, None);

        report.AvailableAt.ShouldBe(["south"]);
        report.Video.Deliveries.Where(d => d.Target == "north").ShouldAllBe(d => d.State == DeliveryState.Queued);
        File.Exists(Path.Combine(courier.TargetRoot("south"), "movie-7/master.m3u8")).ShouldBeTrue();

        File.Delete(Path.Combine(courier.TargetRoot("north"), "movie-7"));
        courier.Time.Advance(TimeSpan.FromMinutes(2));
        (await courier.Scanner.RunOnceAsync(None)).Claimed.ShouldBe(2);

        File.ReadAllText(Path.Combine(courier.TargetRoot("north"), "movie-7/master.m3u8"))
            .ShouldBe(File.ReadAllText(Path.Combine(courier.SourceRoot, "movie-7/ingest-1/master.m3u8")));
        (await courier.Store.ReadEventsAsync(0, 100, None)).Count(e => e.Type == EventTypes.VideoAvailable).ShouldBe(2);
    }

    [Fact]
    public async Task Master_left_unpublished_after_the_last_delivery_is_published_by_the_scan_with_one_video_available_per_target()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north", "south"], Ultrafast);
        await Clips.GenerateAsync(Path.Combine(courier.SourceRoot, "raw/movie-8.mp4"), 640, 360, 2);
        // A directory where north's playlist goes: every rendition is delivered there, but the playlist's PUT fails, which
        // leaves the ledger as a node killed between the last delivery and the playlist does (no video.available there).
        var blocked = Path.Combine(courier.TargetRoot("north"), "movie-8", MasterPlaylist.FileName);
        Directory.CreateDirectory(blocked);
        var ingest = courier.Services.GetRequiredService<IngestService>();

        var report = await ingest.IngestAsync(new IngestRequest("movie-8", "raw/movie-8.mp4", ["360p"]), null, None);

        report.AvailableAt.ShouldBe(["south"]);
        report.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        Directory.Delete(blocked);
        var scan = await courier.Scanner.RunOnceAsync(None);
        var again = await courier.Scanner.RunOnceAsync(None);

        scan.MastersPublished.ShouldBe(1);
        again.MastersPublished.ShouldBe(0);
        File.ReadAllText(Path.Combine(courier.TargetRoot("north"), "movie-8", MasterPlaylist.FileName))
            .ShouldBe(File.ReadAllText(Path.Combine(courier.SourceRoot, "movie-8/ingest-1", MasterPlaylist.FileName)));
        var targets = new List<string>();
        foreach (var e in (await courier.Store.ReadEventsAsync(0, 100, None)).Where(e => e.Type == EventTypes.VideoAvailable))
        {
            targets.Add((await courier.Store.GetDeliveryAsync(e.DeliveryId!.Value, None))!.Target);
        }

        targets.Order().ToList().ShouldBe(["north", "south"], customMessage: "one video.available per target");
        (await courier.Store.ListPendingAvailableAsync(null, 0, 10, None)).ShouldBeEmpty("available everywhere: settled, not looked at again");
    }

    [Fact]
    public async Task An_ingested_version_superseded_before_its_playlist_was_published_is_settled_and_never_published()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"], Ultrafast);
        await Clips.GenerateAsync(Path.Combine(courier.SourceRoot, "raw/movie-9.mp4"), 640, 360, 2);
        var blocked = Path.Combine(courier.TargetRoot("north"), "movie-9", MasterPlaylist.FileName);
        Directory.CreateDirectory(blocked);
        var ingest = courier.Services.GetRequiredService<IngestService>();
        (await ingest.IngestAsync(new IngestRequest("movie-9", "raw/movie-9.mp4", ["360p"]), null, None)).AvailableAt.ShouldBeEmpty();
        Directory.Delete(blocked);

        await courier.Services.GetRequiredService<Courier.Core.Distribution.Distributor>().RemoveAsync("movie-9", null, None);
        var scan = await courier.Scanner.RunOnceAsync(None);

        scan.MastersPublished.ShouldBe(0);
        File.Exists(blocked).ShouldBeFalse("a version taken down is never announced");
        (await courier.Store.ListPendingAvailableAsync(null, 0, 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public void The_ladder_never_upscales_and_refuses_unknown_rungs()
    {
        var ladder = Ladder.Parse(["1080p,360p", "720p"], Ladder.Default, "ladder");

        ladder.Select(r => r.Name).ShouldBe(["360p", "720p", "1080p"]);
        Ladder.Fit(ladder, new SourceProbe("a.mp4", 1280, 720, null, true), "ladder").Select(r => r.Name).ShouldBe(["360p", "720p"]);
        Ladder.Parse(null, Ladder.Default, "ladder").Select(r => r.Name).ShouldBe(["360p", "720p", "1080p"]);
        Should.Throw<BadInputException>(() => Ladder.Parse(["4k"], Ladder.Default, "ladder")).Message.ShouldBe("unknown ladder rung '4k' (known: 240p, 360p, 480p, 720p, 1080p)");
        Should.Throw<BadInputException>(() => Ladder.Fit(ladder, new SourceProbe("a.mp4", 320, 180, null, true), "ladder")).Message.ShouldContain("never upscales");
    }
}
