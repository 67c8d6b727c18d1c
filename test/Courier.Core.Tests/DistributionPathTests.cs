using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Tests;

/// <summary>The synchronous and asynchronous paths end to end through the core, on a fake clock.</summary>
public sealed class DistributionPathTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Synchronous_distribution_delivers_every_rendition_to_every_target_byte_identical()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north", "south"]);
        courier.WriteSource("movie-42/360p.mp4", "360p bytes");
        courier.WriteSource("movie-42/hls/index.m3u8", "#EXTM3U\nseg_001.ts\n");
        courier.WriteSource("movie-42/hls/seg_001.ts", "segment one");

        var report = await courier.DistributeAsync("movie-42", ("360p", "movie-42/360p.mp4"), ("1080p", "movie-42/hls/"));

        report.Video.State.ShouldBe(VideoState.Distributed);
        report.Video.Deliveries.Count.ShouldBe(4);
        report.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered && d.Attempts == 1);
        foreach (var target in new[] { "north", "south" })
        {
            File.ReadAllText(Path.Combine(courier.TargetRoot(target), "movie-42/360p/360p.mp4")).ShouldBe("360p bytes");
            File.ReadAllText(Path.Combine(courier.TargetRoot(target), "movie-42/1080p/index.m3u8")).ShouldBe("#EXTM3U\nseg_001.ts\n");
            File.ReadAllText(Path.Combine(courier.TargetRoot(target), "movie-42/1080p/seg_001.ts")).ShouldBe("segment one");
        }

        var stats = await courier.Ledger.GetStatsAsync(None);
        stats.Sync.ShouldBe(new Statistics.ModeStats(4, 4, 0, 1.0));
        stats.TimeToDistributedSeconds.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Failed_delivery_is_queued_with_backoff_and_the_scanner_delivers_it_when_due()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        courier.WriteSource("movie-42/360p.mp4", "360p bytes");
        // A file where the target needs a directory: every write fails until it is removed.
        Directory.CreateDirectory(courier.TargetRoot("north"));
        File.WriteAllText(Path.Combine(courier.TargetRoot("north"), "movie-42"), "in the way");
        var submittedAt = courier.Time.GetUtcNow();

        var report = await courier.DistributeAsync("movie-42", ("360p", "movie-42/360p.mp4"));

        report.Video.State.ShouldBe(VideoState.Partial);
        var queued = report.Video.Deliveries.ShouldHaveSingleItem();
        queued.State.ShouldBe(DeliveryState.Queued);
        queued.Attempts.ShouldBe(1);
        queued.LastError.ShouldNotBeNull();
        queued.NextAttemptAt!.Value.ShouldBeInRange(submittedAt.AddSeconds(24), submittedAt.AddSeconds(36));

        (await courier.Scanner.RunOnceAsync(None)).Claimed.ShouldBe(0, "not due yet");

        File.Delete(Path.Combine(courier.TargetRoot("north"), "movie-42"));
        courier.Time.Advance(TimeSpan.FromSeconds(37));
        var scan = await courier.Scanner.RunOnceAsync(None);

        scan.ShouldBe(new ScanResult(0, 1, 1, 0, 0, 0));
        var after = await courier.ReportAsync("movie-42");
        after.State.ShouldBe(VideoState.Distributed);
        after.Deliveries.Single().Attempts.ShouldBe(2);
        File.ReadAllText(Path.Combine(courier.TargetRoot("north"), "movie-42/360p/360p.mp4")).ShouldBe("360p bytes");
        var stats = await courier.Ledger.GetStatsAsync(None);
        stats.Sync.ShouldBe(new Statistics.ModeStats(1, 0, 1, 0.0));
        stats.Async.ShouldBe(new Statistics.ModeStats(1, 1, 0, 1.0));
        stats.TimeToDistributedSeconds.Max.ShouldBe(37);
    }

    [Fact]
    public async Task Source_deleted_after_submit_is_dead_with_the_reason()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        var source = courier.WriteSource("movie-42/360p.mp4", "360p bytes");
        var submission = await courier.Distributor.SubmitAsync(new SubmitRequest("movie-42", [new RenditionRequest("360p", "movie-42/360p.mp4")]), None);
        File.Delete(source);

        var report = await courier.Distributor.PushAsync(submission, null, None);

        var dead = report.Video.Deliveries.ShouldHaveSingleItem();
        dead.State.ShouldBe(DeliveryState.Dead);
        dead.ErrorKind.ShouldBe(ErrorKinds.SourceMissing);
        dead.LastError!.ShouldContain("gone");
        report.Video.State.ShouldBe(VideoState.Failed);
    }

    [Fact]
    public async Task Delivery_is_dead_after_the_last_allowed_attempt()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"], new Dictionary<string, string?> { ["Courier:Retry:MaxAttempts"] = "3", ["Courier:Circuit:FailureThreshold"] = "100" });
        courier.WriteSource("v/360p.mp4", "bytes");
        Directory.CreateDirectory(courier.TargetRoot("north"));
        File.WriteAllText(Path.Combine(courier.TargetRoot("north"), "v"), "in the way");

        await courier.DistributeAsync("v", ("360p", "v/360p.mp4"));
        for (var i = 0; i < 2; i++)
        {
            courier.Time.Advance(TimeSpan.FromHours(1));
            (await courier.Scanner.RunOnceAsync(None)).Claimed.ShouldBe(1);
        }

        var delivery = (await courier.ReportAsync("v")).Deliveries.Single();
        delivery.State.ShouldBe(DeliveryState.Dead);
        delivery.Attempts.ShouldBe(3);
        delivery.LastError!.ShouldStartWith("gave up after 3 attempts: ");
        (await courier.Store.GetQueueAsync(new QueueQuery(DeliveryState.Dead), None)).Total.ShouldBe(1);
    }

    [Fact]
    public async Task Work_of_a_node_that_died_is_taken_back_after_the_lease_timeout_and_delivered()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        courier.WriteSource("v/360p.mp4", "bytes");
        var content = new Sources.SourceResolver(courier.SourceRoot).Resolve("360p", "v/360p.mp4", "path");
        var rendition = new NewRendition("360p", "v/360p.mp4", content.Kind, content.Fingerprint, content.TotalBytes, 1);
        // Another node committed the submission, claimed it, and died before pushing.
        var crashed = await courier.Store.SubmitAsync(new NewVideoVersion("v", "fp", [rendition], ["north"]), "crashed-node", courier.Time.GetUtcNow(), None);
        var claimed = crashed.Claimed.ShouldHaveSingleItem();
        (await courier.Scanner.RunOnceAsync(None)).ShouldBe(new ScanResult(0, 0, 0, 0, 0, 0), "its heartbeat is still fresh");

        courier.Time.Advance(TimeSpan.FromSeconds(61));
        var scan = await courier.Scanner.RunOnceAsync(None);

        scan.Reclaimed.ShouldBe(1);
        scan.Delivered.ShouldBe(1);
        (await courier.ReportAsync("v")).State.ShouldBe(VideoState.Distributed);
        File.ReadAllText(Path.Combine(courier.TargetRoot("north"), "v/360p/360p.mp4")).ShouldBe("bytes");
        var late = new DeliveryCompletion(claimed.Id, claimed.LeaseToken, DeliveryState.Dead, true, null, "late", null, null, null, null, courier.Time.GetUtcNow());
        (await courier.Store.CompleteAsync(late, None)).ShouldBeFalse("the crashed node's lease token no longer holds");
        (await courier.ReportAsync("v")).Deliveries.Single().State.ShouldBe(DeliveryState.Delivered);
    }

    [Fact]
    public async Task A_target_known_to_be_down_queues_without_using_attempts_and_is_drained_when_it_recovers()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"], new Dictionary<string, string?> { ["Courier:Circuit:FailureThreshold"] = "2" });
        Directory.CreateDirectory(courier.TargetRoot("north"));
        var blockers = new List<string>();
        var renditions = new List<(string, string)>();
        for (var i = 1; i <= 4; i++)
        {
            courier.WriteSource($"v{i}/360p.mp4", $"bytes {i}");
            blockers.Add(Path.Combine(courier.TargetRoot("north"), $"v{i}"));
            File.WriteAllText(blockers[^1], "in the way");
        }

        var reports = new List<Reports.DistributionReport>();
        for (var i = 1; i <= 4; i++)
        {
            reports.Add(await courier.DistributeAsync($"v{i}", ("360p", $"v{i}/360p.mp4")));
        }

        reports.Select(r => r.Video.Deliveries.Single().Attempts).ShouldBe([1, 1, 0, 0], "after two failures the target is down: no attempts used");
        reports[3].Video.Deliveries.Single().ErrorKind.ShouldBe(ErrorKinds.TargetDown);
        (await courier.Scanner.RunOnceAsync(None)).Claimed.ShouldBe(0, "a down target's deliveries are not claimed");

        blockers.ForEach(File.Delete);
        courier.Time.Advance(TimeSpan.FromSeconds(31));
        var scan = await courier.Scanner.RunOnceAsync(None);

        scan.Delivered.ShouldBe(4, "the probe succeeded and the whole queue of the target was made due at once");
        for (var i = 1; i <= 4; i++)
        {
            (await courier.ReportAsync($"v{i}")).State.ShouldBe(VideoState.Distributed);
        }
    }

    [Fact]
    public async Task Shutdown_mid_push_releases_the_delivery_unattempted()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        courier.WriteSource("v/360p.mp4", "bytes");
        var submission = await courier.Distributor.SubmitAsync(new SubmitRequest("v", [new RenditionRequest("360p", "v/360p.mp4")]), None);
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        var report = await courier.Distributor.PushAsync(submission, null, stopping.Token);

        var delivery = report.Video.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Queued);
        delivery.Attempts.ShouldBe(0);
        delivery.NextAttemptAt.ShouldBe(courier.Time.GetUtcNow());
        (await courier.Ledger.GetStatsAsync(None)).Sync.Attempts.ShouldBe(0, "shutdown is not a failed attempt");
    }

    [Fact]
    public async Task Resubmitted_dead_delivery_is_retried_as_a_manual_attempt()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        var source = courier.WriteSource("v/360p.mp4", "bytes");
        var submission = await courier.Distributor.SubmitAsync(new SubmitRequest("v", [new RenditionRequest("360p", "v/360p.mp4")]), None);
        File.Move(source, source + ".away");
        var dead = (await courier.Distributor.PushAsync(submission, null, None)).Video.Deliveries.Single();
        dead.State.ShouldBe(DeliveryState.Dead);
        File.Move(source + ".away", source);

        (await courier.Ledger.RetryAsync([dead.Id], null, null, None)).ShouldBe([dead.Id]);
        var scan = await courier.Scanner.RunOnceAsync(None);

        scan.Delivered.ShouldBe(1);
        (await courier.ReportAsync("v")).State.ShouldBe(VideoState.Distributed);
        (await courier.Ledger.GetStatsAsync(None)).Manual.ShouldBe(new Statistics.ModeStats(1, 1, 0, 1.0));
    }

    [Fact]
    public async Task Same_submission_twice_is_one_set_of_deliveries_and_nothing_is_pushed_again()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        courier.WriteSource("v/360p.mp4", "bytes");

        var first = await courier.DistributeAsync("v", ("360p", "v/360p.mp4"));
        var second = await courier.DistributeAsync("v", ("360p", "v/360p.mp4"));

        second.Video.Version.ShouldBe(first.Video.Version);
        second.Video.Deliveries.Select(d => d.Id).ShouldBe(first.Video.Deliveries.Select(d => d.Id));
        second.Results.ShouldBeEmpty("delivered deliveries are not claimed again");
        (await courier.Ledger.GetStatsAsync(None)).Sync.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task Bad_submission_stores_nothing()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync(["north"]);
        courier.WriteSource("v/360p.mp4", "bytes");

        var error = await Should.ThrowAsync<BadInputException>(() => courier.DistributeAsync("v", ("360p", "v/360p.mp4"), ("720p", "v/missing.mp4")));

        error.Field.ShouldBe("renditions[1].path");
        (await courier.Ledger.GetVideoAsync("v", None)).ShouldBeNull();
        if (Directory.Exists(courier.TargetRoot("north")))
        {
            Directory.EnumerateFiles(courier.TargetRoot("north"), "*", SearchOption.AllDirectories).ShouldBeEmpty();
        }
    }
}
