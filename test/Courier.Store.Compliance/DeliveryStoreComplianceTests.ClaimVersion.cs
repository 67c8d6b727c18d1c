using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary><see cref="IDeliveryQueue.ClaimVersionAsync"/>: what the synchronous path claims once a version's pushes are delivered.</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Claim_version_hands_out_a_dropped_renditions_removal_once_the_versions_push_there_is_delivered_and_only_what_is_due()
    {
        var v1 = await SubmitAsync("drop", ["360p", "720p"], ["cdn-a", "cdn-b"], "content-1");
        foreach (var claim in v1.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var v2 = await SubmitAsync("drop", ["720p"], ["cdn-a", "cdn-b"], "content-2", at: T0 + TimeSpan.FromSeconds(2));
        v2.Version.ShouldBe(2);
        v2.Claimed.Select(c => (c.Rendition, c.Target, c.Operation)).Order().ShouldBe([("720p", "cdn-a", DeliveryOperation.Push), ("720p", "cdn-b", DeliveryOperation.Push)]);
        var now = T0 + TimeSpan.FromSeconds(3);
        (await Store.ClaimVersionAsync("drop", 2, ["cdn-a", "cdn-b"], "node-b", now, Ct)).ShouldBeEmpty("the removals of 360p wait until version 2 is delivered at their target");

        var atA = v2.Claimed.Single(c => c.Target == "cdn-a");
        var atB = v2.Claimed.Single(c => c.Target == "cdn-b");
        await CompleteAsync(Delivered(atA, now));
        await CompleteAsync(Queued(atB, now, next: now + TimeSpan.FromMinutes(10)));

        var removal = (await Store.ClaimVersionAsync("drop", 2, ["cdn-a", "cdn-b"], "node-b", now + TimeSpan.FromSeconds(1), Ct)).ShouldHaveSingleItem();

        (removal.VideoId, removal.Version, removal.Rendition, removal.Target, removal.Operation).ShouldBe(("drop", 2, "360p", "cdn-a", DeliveryOperation.Remove));
        removal.LeaseToken.ShouldNotBe(Guid.Empty);
        (await DeliveryAsync(removal.Id)).State.ShouldBe(DeliveryState.InFlight);
        (await Store.ClaimVersionAsync("drop", 2, ["cdn-a", "cdn-b"], "node-a", now + TimeSpan.FromSeconds(2), Ct)).ShouldBeEmpty("a claimed removal is not handed out twice, and cdn-b's push is not due");
        (await Store.ClaimVersionAsync("drop", 1, ["cdn-a", "cdn-b"], "node-a", now + TimeSpan.FromSeconds(2), Ct)).ShouldBeEmpty("version 1 has nothing queued");

        // cdn-b's push is due again after its backoff: it is claimed, and the removal of 360p there still waits for it.
        var retry = (await Store.ClaimVersionAsync("drop", 2, ["cdn-b"], "node-a", now + TimeSpan.FromMinutes(11), Ct)).ShouldHaveSingleItem();
        (retry.Rendition, retry.Target, retry.Operation).ShouldBe(("720p", "cdn-b", DeliveryOperation.Push));
        await CompleteAsync(Delivered(retry, now + TimeSpan.FromMinutes(12)));
        var second = (await Store.ClaimVersionAsync("drop", 2, ["cdn-b"], "node-a", now + TimeSpan.FromMinutes(12), Ct)).ShouldHaveSingleItem();
        (second.Rendition, second.Target, second.Operation).ShouldBe(("360p", "cdn-b", DeliveryOperation.Remove));

        await CompleteAsync(DeliveryCompletion.Removed(removal, Attempt(AttemptMode.Sync, true, now + TimeSpan.FromMinutes(12), 0, node: "node-b"), now + TimeSpan.FromMinutes(13)));
        await CompleteAsync(DeliveryCompletion.Removed(second, Attempt(AttemptMode.Sync, true, now + TimeSpan.FromMinutes(12), 0), now + TimeSpan.FromMinutes(13)));
        var video = (await Store.GetVideoAsync("drop", Ct)).ShouldNotBeNull();
        video.Version.ShouldBe(2);
        video.DistributedAt.ShouldNotBeNull("every push and removal of version 2 is done");
    }

    [Fact]
    public async Task Claim_version_never_hands_out_an_older_versions_delivery_or_one_an_older_push_still_writes()
    {
        var v1 = await OneAsync("race", "cdn-a");
        var v2 = await SubmitAsync("race", ["720p"], ["cdn-a"], "content-2", at: T0 + TimeSpan.FromSeconds(1));
        v2.Claimed.ShouldBeEmpty("version 1's push still holds the key");
        var later = T0 + TimeSpan.FromSeconds(2);

        (await Store.ClaimVersionAsync("race", 2, ["cdn-a"], "node-b", later, Ct)).ShouldBeEmpty("version 1's superseded push still holds its lease");
        (await Store.ClaimVersionAsync("race", 1, ["cdn-a"], "node-b", later, Ct)).ShouldBeEmpty("version 1 is superseded");

        (await Store.CompleteAsync(Delivered(v1, later), Ct)).ShouldBeFalse("a superseded push's outcome is refused, and its lease let go");
        var claim = (await Store.ClaimVersionAsync("race", 2, ["cdn-a"], "node-b", later + TimeSpan.FromSeconds(1), Ct)).ShouldHaveSingleItem();
        (claim.Version, claim.Operation).ShouldBe((2, DeliveryOperation.Push));
        (await DeliveryAsync(v1.Id)).State.ShouldBe(DeliveryState.Superseded);
    }
}
