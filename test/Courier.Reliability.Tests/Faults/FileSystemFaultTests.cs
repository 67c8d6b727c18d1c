using System.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>Faults of the machine rather than the network: a full disk at a filesystem target, a source file deleted after submit.</summary>
public sealed class FileSystemFaultTests
{
    [Fact]
    public async Task A_full_disk_at_a_filesystem_target_queues_with_disk_full_and_delivers_once_space_is_freed()
    {
        using var mount = TmpfsMount.Create(sizeMegabytes: 2);
        var settings = CourierHarness.FastSettings();
        settings["Courier:Retry:MaxAttempts"] = "1000";
        settings["Courier:Targets:archive:Kind"] = "filesystem";
        settings["Courier:Targets:archive:Root"] = mount.Path;
        // One push at a time: the 720p's temp file fills the 2 MB disk, and the 360p must not be pushed beside it.
        settings["Courier:Distribution:MaxConcurrency"] = "1";
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("big/720p.mp4", 3 * 1024 * 1024, seed: 5);
        courier.WriteSource("big/360p.mp4", 256 * 1024, seed: 6);
        var source = File.ReadAllBytes(Path.Combine(courier.SourceRoot, "big/720p.mp4"));
        var final = Path.Combine(mount.Path, "big", "720p", "720p.mp4");

        var report = await courier.DistributeAsync("big", ("720p", "big/720p.mp4"), ("360p", "big/360p.mp4"));

        var full = report.Video.Deliveries.Single(d => d.Rendition == "720p");
        full.State.ShouldBe(DeliveryState.Queued);
        full.ErrorKind.ShouldBe("disk_full");
        full.LastError.ShouldNotBeNull();
        report.Video.Deliveries.Single(d => d.Rendition == "360p").State.ShouldBe(DeliveryState.Delivered);
        File.Exists(final).ShouldBeFalse("nothing half-written under the final name");

        // Several scans while the disk stays full: the delivery stays queued with the reason, nothing crashes.
        var clock = Stopwatch.StartNew();
        var scanned = 0;
        while (scanned < 3 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            scanned += (await courier.Scanner.RunOnceAsync(Ct)).Claimed;
            File.Exists(final).ShouldBeFalse("nothing half-written under the final name");
        }

        scanned.ShouldBeGreaterThanOrEqualTo(3);
        var still = (await courier.Store.GetVideoAsync("big", Ct))!.Deliveries.Single(d => d.Rendition == "720p");
        still.State.ShouldBe(DeliveryState.Queued);
        still.ErrorKind.ShouldBe("disk_full");
        mount.FreeBytes().ShouldBeGreaterThan(1024 * 1024, "a failed put leaves no temp file eating the space");

        mount.Resize(sizeMegabytes: 8);
        var settled = await courier.SettleAsync("big", TimeSpan.FromSeconds(20));

        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        File.ReadAllBytes(final).ShouldBe(source);
    }

    [Fact]
    public async Task A_source_file_deleted_after_submit_is_dead_with_source_missing_at_once()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("gone/360p.mp4", 64 * 1024);
        var submission = await courier.Distributor.SubmitAsync(new SubmitRequest("gone", [new RenditionRequest("360p", "gone/360p.mp4")]), Ct);
        File.Delete(Path.Combine(courier.SourceRoot, "gone/360p.mp4"));

        var report = await courier.Distributor.PushAsync(submission, null, Ct);

        var delivery = report.Video.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Dead);
        delivery.Attempts.ShouldBe(1, "a missing source is permanent: no retries burnt on it");
        delivery.ErrorKind.ShouldBe("source_missing");
        delivery.LastError.ShouldNotBeNull().ShouldContain("360p");
        (await courier.Scanner.RunOnceAsync(Ct)).Claimed.ShouldBe(0, "a dead delivery is not picked up again: no crash loop");
        File.Exists(courier.Directory.Combine("targets/archive/gone/360p/360p.mp4")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_source_deleted_while_its_delivery_waits_in_the_queue_is_dead_with_source_missing()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WritePackage("pkg/hls", 10_000);
        var blocker = await courier.BlockArchiveAsync("pkg");

        var report = await courier.DistributeAsync("pkg", ("hls", "pkg/hls"));
        report.Video.Deliveries.Single().State.ShouldBe(DeliveryState.Queued);
        File.Delete(blocker);
        Directory.Delete(Path.Combine(courier.SourceRoot, "pkg/hls"), recursive: true);
        var settled = await courier.SettleAsync("pkg", TimeSpan.FromSeconds(20));

        var delivery = settled.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Dead);
        delivery.ErrorKind.ShouldBe("source_missing");
        delivery.LastError.ShouldNotBeNullOrWhiteSpace();
        (await courier.Scanner.RunOnceAsync(Ct)).Claimed.ShouldBe(0);
    }

    [Fact]
    public async Task A_source_root_that_is_away_while_a_delivery_waits_is_transient_and_the_delivery_goes_out_once_it_is_back()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        settings["Courier:Retry:MaxAttempts"] = "20";
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("mnt/360p.mp4", 10_000);
        var blocker = await courier.BlockArchiveAsync("mnt");
        var report = await courier.DistributeAsync("mnt", ("360p", "mnt/360p.mp4"));
        report.Video.Deliveries.Single().State.ShouldBe(DeliveryState.Queued);
        File.Delete(blocker);

        // The source mount goes away (as an unmounted or stale NFS mount): the whole source root cannot be listed.
        var away = courier.SourceRoot + ".away";
        Directory.Move(courier.SourceRoot, away);
        await Eventually.WaitAsync(
            async () => (await courier.Store.GetVideoAsync("mnt", Ct))!.Deliveries.Single().Attempts >= 3 || (await courier.Scanner.RunOnceAsync(Ct)).Dead > 0,
            TimeSpan.FromSeconds(20),
            "a few attempts while the source root is away");
        var waiting = (await courier.Store.GetVideoAsync("mnt", Ct))!.Deliveries.ShouldHaveSingleItem();
        waiting.State.ShouldBe(DeliveryState.Queued, "a source root that is away says nothing about the file being gone");
        waiting.ErrorKind.ShouldBe("io");
        waiting.LastError.ShouldNotBeNull().ShouldContain("unreachable");

        Directory.Move(away, courier.SourceRoot);
        var settled = await courier.SettleAsync("mnt", TimeSpan.FromSeconds(20));

        settled.Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Delivered);
        File.ReadAllBytes(courier.Directory.Combine("targets/archive/mnt/360p/360p.mp4")).ShouldBe(File.ReadAllBytes(Path.Combine(courier.SourceRoot, "mnt/360p.mp4")));
    }
}
