using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// A node whose configuration lacks a target (a rolling configuration change across nodes, <c>distribute --config
/// other.json</c> beside <c>serve</c>) leaves that target's deliveries queued for a node that has it, never dead.
/// </summary>
public sealed class UnknownTargetTests
{
    [Fact]
    public async Task A_scan_on_a_node_without_the_target_leaves_its_deliveries_queued_unattempted_for_a_node_that_has_it()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("other/360p.mp4", 10_000);

        // Another node, configured with a target "elsewhere" this node does not have, submitted the video and stopped.
        var now = DateTimeOffset.UtcNow;
        var rendition = new NewRendition("360p", "other/360p.mp4", RenditionKind.File, "fingerprint", 10_000, 1);
        await courier.Store.SubmitAsync(new NewVideoVersion("other", "video-fingerprint", [rendition], ["elsewhere"]), "node-with-elsewhere", now, Ct);
        (await courier.Store.ReleaseNodeAsync("node-with-elsewhere", now, Ct)).ShouldBe(1);

        var scan = await courier.Scanner.RunOnceAsync(Ct);

        scan.Claimed.ShouldBe(1);
        scan.Dead.ShouldBe(0);
        var delivery = (await courier.Store.GetVideoAsync("other", Ct))!.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Queued, "a target this node lacks is no reason to kill the delivery");
        delivery.Attempts.ShouldBe(0, "nothing was attempted");
        delivery.ErrorKind.ShouldBe("target_unknown");
        delivery.LastError.ShouldNotBeNull().ShouldContain("no target elsewhere is configured on node");
        (await courier.AttemptsAsync(delivery.Id)).ShouldBeEmpty();

        // A node that has the target can still claim it (once it is due again).
        var claimed = await courier.Store.ClaimDueAsync("node-with-elsewhere", 10, DateTimeOffset.UtcNow.AddMinutes(1), [], Ct);
        claimed.ShouldHaveSingleItem().Target.ShouldBe("elsewhere");
    }
}
