using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>Versions that supersede: a newer version committed for a target wins there, whatever the older work's state.</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task A_newer_version_supersedes_older_queued_and_dead_work_at_its_targets_and_keeps_delivered_history()
    {
        var first = await SubmitAsync("movie-42", ["720p"], ["cdn-a", "cdn-b", "cdn-c", "cdn-d"]);
        var queued = first.Claimed.Single(c => c.Target == "cdn-a");
        var dead = first.Claimed.Single(c => c.Target == "cdn-b");
        var delivered = first.Claimed.Single(c => c.Target == "cdn-c");
        var elsewhere = first.Claimed.Single(c => c.Target == "cdn-d");
        await CompleteAsync(Queued(queued, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromHours(1)));
        await CompleteAsync(Queued(elsewhere, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromHours(1)));
        await CompleteAsync(Dead(dead, T0 + TimeSpan.FromSeconds(1)));
        await CompleteAsync(Delivered(delivered, T0 + TimeSpan.FromSeconds(1)));

        var second = await SubmitAsync("movie-42", ["720p"], ["cdn-a", "cdn-b", "cdn-c"], fingerprint: "content-2", node: "node-b", at: T0 + TimeSpan.FromMinutes(1));

        second.Version.ShouldBe(2);
        second.Claimed.Select(c => (c.Target, c.Version, c.Operation)).Order().ShouldBe([("cdn-a", 2, DeliveryOperation.Push), ("cdn-b", 2, DeliveryOperation.Push), ("cdn-c", 2, DeliveryOperation.Push)]);
        foreach (var id in new[] { queued.Id, dead.Id })
        {
            var old = await DeliveryAsync(id);
            old.State.ShouldBe(DeliveryState.Superseded);
            old.ErrorKind.ShouldBe("superseded");
            old.LastError.ShouldBe("superseded by version 2");
            old.NextAttemptAt.ShouldBeNull();
            old.Version.ShouldBe(1);
        }

        (await DeliveryAsync(delivered.Id)).State.ShouldBe(DeliveryState.Delivered, "what was delivered stays history");
        (await DeliveryAsync(elsewhere.Id)).State.ShouldBe(DeliveryState.Queued, "version 2 was not committed for cdn-d");
        (await ClaimAllAsync(T0 + TimeSpan.FromHours(2))).Select(c => c.Id).ShouldBe([elsewhere.Id], "a superseded delivery is never pushed");

        var queue = await Store.GetQueueAsync(new QueueQuery(), Ct);
        queue.Total.ShouldBe(0, "superseded work is not a failure: the queue and the dead letters do not show it");
        (await Store.GetQueueAsync(new QueueQuery(State: DeliveryState.Superseded), Ct)).Items.Select(d => d.Id).Order().ShouldBe(new[] { queued.Id, dead.Id }.Order());
        var tallies = (await Store.GetStatisticsAsync(T0, Ct)).Deliveries;
        tallies.ShouldContain(new StateTally("cdn-a", DeliveryState.Superseded, 1));
        tallies.ShouldContain(new StateTally("cdn-b", DeliveryState.Superseded, 1));
        (await Store.MarkDeadlineMissedAsync(T0 + TimeSpan.FromDays(1), T0 + TimeSpan.FromDays(1), 100, Ct)).Select(d => d.Id)
            .ShouldNotContain(queued.Id, "a superseded delivery has no deadline to miss");
        VideoReport.Derive((await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull().Deliveries.Select(d => d.State)).ShouldBe(VideoState.Distributing, "cdn-d is being pushed; the superseded dead delivery does not make it failed");
    }

    [Fact]
    public async Task A_push_superseded_in_flight_keeps_its_lease_and_holds_back_the_newer_version_until_its_node_lets_go()
    {
        var old = await OneAsync("movie-42");

        var second = await SubmitAsync("movie-42", ["720p"], ["cdn-a"], fingerprint: "content-2", node: "node-b", at: T0 + TimeSpan.FromSeconds(5));

        second.Claimed.ShouldBeEmpty("version 1 is still writing the same keys");
        (await DeliveryAsync(old.Id)).State.ShouldBe(DeliveryState.Superseded);
        var waiting = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem();
        waiting.State.ShouldBe(DeliveryState.Queued);
        waiting.LastError.ShouldBe("waiting for version 1's push to stop");
        (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(1), "node-b")).ShouldBeEmpty("two versions never write one key at once");

        (await Store.CompleteAsync(Delivered(old, T0 + TimeSpan.FromMinutes(1)), Ct)).ShouldBeFalse("a superseded push is not delivered");
        (await DeliveryAsync(old.Id)).State.ShouldBe(DeliveryState.Superseded);
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn-a", 1, 0, 1000)], "its attempt is in the ledger");
        (await Store.CompleteAsync(Delivered(old, T0 + TimeSpan.FromMinutes(1)), Ct)).ShouldBeFalse();

        var next = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(1), "node-b")).ShouldHaveSingleItem("the old push let go of the keys");
        next.Version.ShouldBe(2);
        await CompleteAsync(Delivered(next, T0 + TimeSpan.FromMinutes(2)));
        (await EventsAsync()).Where(e => e.Type == EventTypes.VideoDistributed).Select(e => e.Version).ShouldBe([2]);
    }

    [Fact]
    public async Task Releasing_or_reclaiming_a_node_lets_go_of_its_superseded_leases()
    {
        var released = await OneAsync("movie-1", node: "node-a");
        var reclaimed = await OneAsync("movie-2", node: "node-gone");
        await SubmitAsync("movie-1", ["720p"], ["cdn-a"], fingerprint: "content-2", node: "node-b", at: T0 + TimeSpan.FromSeconds(1));
        await SubmitAsync("movie-2", ["720p"], ["cdn-a"], fingerprint: "content-2", node: "node-b", at: T0 + TimeSpan.FromSeconds(1));
        (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(2), "node-b")).ShouldBeEmpty();

        (await Store.ReleaseNodeAsync("node-a", T0 + TimeSpan.FromSeconds(3), Ct)).ShouldBe(0, "nothing of node-a was in flight any more");
        var first = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(3), "node-b")).ShouldHaveSingleItem();
        (first.VideoId, first.Version).ShouldBe(("movie-1", 2));

        await Store.HeartbeatAsync("node-b", T0 + TimeSpan.FromMinutes(5), Ct);
        await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromMinutes(5), Ct);
        var second = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(5), "node-b")).ShouldHaveSingleItem();
        (second.VideoId, second.Version).ShouldBe(("movie-2", 2));

        foreach (var id in new[] { released.Id, reclaimed.Id })
        {
            var view = await DeliveryAsync(id);
            view.State.ShouldBe(DeliveryState.Superseded, "letting go changes nothing else");
            view.LastError.ShouldBe("superseded by version 2");
        }

        (await Store.CompleteAsync(Delivered(released, T0 + TimeSpan.FromMinutes(6)), Ct)).ShouldBeFalse("its lease is gone");
    }

    [Fact]
    public async Task An_older_versions_delivery_reopened_by_reconcile_is_never_claimed_while_a_newer_version_exists()
    {
        var first = await OneAsync("movie-42");
        await CompleteAsync(Delivered(first, T0 + TimeSpan.FromSeconds(1)));
        var second = (await SubmitAsync("movie-42", ["720p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1))).Claimed.ShouldHaveSingleItem();
        await CompleteAsync(Delivered(second, T0 + TimeSpan.FromMinutes(2)));

        (await Store.ReopenDeliveredAsync(first.Id, "drifted", "drifted", T0 + TimeSpan.FromMinutes(3), Ct)).ShouldBeTrue();

        (await ClaimAllAsync(T0 + TimeSpan.FromHours(1))).ShouldBeEmpty("version 2 exists for cdn-a: version 1's bytes must not go back there");
        (await DeliveryAsync(first.Id)).State.ShouldBe(DeliveryState.Queued);
    }

    [Fact]
    public async Task A_rendition_a_new_version_drops_gets_a_removal_held_until_the_new_version_is_delivered_there()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-a"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var second = await SubmitAsync("movie-42", ["360p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1));

        var push = second.Claimed.ShouldHaveSingleItem("the removal waits for the new version's pushes");
        (push.Rendition, push.Operation).ShouldBe(("360p", DeliveryOperation.Push));
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Action.ShouldBe(DeliveryOperation.Push);
        var removal = video.Deliveries.Single(d => d.Rendition == "720p");
        (removal.Operation, removal.State, removal.Version).ShouldBe((DeliveryOperation.Remove, DeliveryState.Queued, 2));
        video.Renditions.Single(r => r.Name == "720p").SourcePath.ShouldBe("movie-42/720p.mp4", "the removal knows where version 1's rendition came from");
        (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(2))).ShouldBeEmpty("nothing is deleted before the new version is in place");

        await CompleteAsync(Delivered(push, T0 + TimeSpan.FromMinutes(2)));
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(T0 + TimeSpan.FromMinutes(2), "its pushes are all delivered");
        var claimed = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(2))).ShouldHaveSingleItem();
        claimed.Id.ShouldBe(removal.Id);
        (claimed.Operation, claimed.Version, claimed.Rendition, claimed.SourcePath, claimed.Kind).ShouldBe((DeliveryOperation.Remove, 2, "720p", "movie-42/720p.mp4", RenditionKind.File));
        (await Store.CompleteAsync(Delivered(claimed, T0 + TimeSpan.FromMinutes(3)), Ct)).ShouldBeFalse("a removal ends removed, not delivered");
        await CompleteAsync(DeliveryCompletion.Removed(claimed, Attempt(AttemptMode.Async, true, T0 + TimeSpan.FromMinutes(3)), T0 + TimeSpan.FromMinutes(3)));

        var removed = await DeliveryAsync(removal.Id);
        (removed.State, removed.DeliveredAt).ShouldBe((DeliveryState.Removed, T0 + TimeSpan.FromMinutes(3)));
        (await EventsAsync()).Select(e => (e.Type, e.Version)).ShouldBe([(EventTypes.VideoDistributed, 1), (EventTypes.VideoDistributed, 2)], "a publish version's cleanup is not a takedown");

        var third = await SubmitAsync("movie-42", ["360p"], ["cdn-a"], fingerprint: "content-3", at: T0 + TimeSpan.FromMinutes(4));
        third.Claimed.ShouldHaveSingleItem().Operation.ShouldBe(DeliveryOperation.Push);
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem("720p is already gone from cdn-a");
    }

    [Fact]
    public async Task Renditions_submitted_one_at_a_time_join_the_newest_version_and_take_back_its_removals_of_them()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p", "1080p"], ["cdn-a"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var started = await SubmitAsync("movie-42", ["360p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1));
        started.Version.ShouldBe(2);
        await CompleteAsync(Delivered(started.Claimed.ShouldHaveSingleItem(), T0 + TimeSpan.FromMinutes(2)));
        // 360p is delivered: both removals may run now. One is in flight when its rendition arrives, one is still queued.
        var removing = (await Store.ClaimDueAsync("node-a", 1, T0 + TimeSpan.FromMinutes(2), [], Ct)).ShouldHaveSingleItem();
        removing.Operation.ShouldBe(DeliveryOperation.Remove);
        var stillQueued = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Deliveries.Single(d => d.Operation == DeliveryOperation.Remove && d.Id != removing.Id);

        var inFlightOne = await SubmitAsync("movie-42", [removing.Rendition], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(3));
        var queuedOne = await SubmitAsync("movie-42", [stillQueued.Rendition], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(3));

        (inFlightOne.Version, inFlightOne.IsNewVersion, queuedOne.Version, queuedOne.IsNewVersion).ShouldBe((2, false, 2, false));
        inFlightOne.Claimed.ShouldBeEmpty("the removal of the same keys is still running");
        queuedOne.Claimed.ShouldBeEmpty("no push starts at cdn-a while a superseded removal there still holds its lease");
        (await DeliveryAsync(stillQueued.Id)).State.ShouldBe(DeliveryState.Superseded);
        (await DeliveryAsync(removing.Id)).State.ShouldBe(DeliveryState.Superseded);
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Renditions.Select(r => r.Name).Order().ShouldBe(["1080p", "360p", "720p"]);
        video.Deliveries.Where(d => d.Operation == DeliveryOperation.Push && d.Rendition != "360p").ShouldAllBe(d => d.State == DeliveryState.Queued);

        (await Store.CompleteAsync(DeliveryCompletion.Removed(removing, Attempt(AttemptMode.Async, true, T0 + TimeSpan.FromMinutes(4)), T0 + TimeSpan.FromMinutes(4)), Ct)).ShouldBeFalse();
        // The removal let go: both pushes may start.
        var pushes = await ClaimAllAsync(T0 + TimeSpan.FromMinutes(4));
        pushes.Select(c => (c.Rendition, c.Operation, c.Version, c.Fingerprint)).Order().ShouldBe(
            [("1080p", DeliveryOperation.Push, 2, "content-2:1080p"), ("720p", DeliveryOperation.Push, 2, "content-2:720p")]);
        foreach (var claim in pushes)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromMinutes(5)));
        }

        var done = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        done.DistributedAt.ShouldBe(T0 + TimeSpan.FromMinutes(5));
        VideoReport.Derive(done.Deliveries.Select(d => d.State), done.Action).ShouldBe(VideoState.Distributed);
    }

    [Fact]
    public async Task Files_a_push_recorded_are_read_back_per_key_for_the_versions_before_a_given_one()
    {
        var first = await OneAsync("movie-42");
        (await Store.RecordFilesAsync(first.Id, first.LeaseToken, [new("movie-42/720p/a.ts", 10, "aa"), new("movie-42/720p/b.ts", 20, null)], Ct)).ShouldBeTrue();
        (await Store.RecordFilesAsync(first.Id, first.LeaseToken, [new("movie-42/720p/a.ts", 11, "a1")], Ct)).ShouldBeTrue("recorded again: the newest record of a key wins");
        (await Store.RecordFilesAsync(first.Id, Guid.NewGuid(), [new("movie-42/720p/x.ts", 1, null)], Ct)).ShouldBeFalse("not under the claim's lease");
        await CompleteAsync(Delivered(first, T0 + TimeSpan.FromSeconds(1)));
        (await Store.RecordFilesAsync(first.Id, first.LeaseToken, [new("movie-42/720p/y.ts", 1, null)], Ct)).ShouldBeFalse("no longer in flight");

        var second = (await SubmitAsync("movie-42", ["720p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1))).Claimed.ShouldHaveSingleItem();
        (await Store.RecordFilesAsync(second.Id, second.LeaseToken, [new("movie-42/720p/a.ts", 12, "a2"), new("movie-42/720p/c.ts", 30, "cc")], Ct)).ShouldBeTrue();

        (await Store.GetFilesAsync("movie-42", "720p", "cdn-a", 2, Ct)).ShouldBe([new("movie-42/720p/a.ts", 11, "a1"), new("movie-42/720p/b.ts", 20, null)]);
        (await Store.GetFilesAsync("movie-42", "720p", "cdn-a", 3, Ct)).ShouldBe([new("movie-42/720p/a.ts", 12, "a2"), new("movie-42/720p/b.ts", 20, null), new("movie-42/720p/c.ts", 30, "cc")]);
        (await Store.GetFilesAsync("movie-42", "720p", "cdn-a", 1, Ct)).ShouldBeEmpty();
        (await Store.GetFilesAsync("movie-42", "720p", "cdn-b", 3, Ct)).ShouldBeEmpty();
        (await Store.GetFilesAsync("movie-42", "360p", "cdn-a", 3, Ct)).ShouldBeEmpty();
    }
}
