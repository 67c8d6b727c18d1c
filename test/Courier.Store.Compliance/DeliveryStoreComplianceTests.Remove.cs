using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>Takedown: a removal is a version of its own, committed before any work starts, and it supersedes pending pushes.</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Remove_commits_a_removal_version_that_supersedes_pending_pushes_and_claims_its_removals()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-a", "cdn-b"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(claim.Target == "cdn-a"
                ? Delivered(claim, T0 + TimeSpan.FromSeconds(1))
                : Queued(claim, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromHours(1)));
        }

        var removal = (await Store.RemoveAsync("movie-42", [], "node-b", T0 + TimeSpan.FromMinutes(1), Ct)).ShouldNotBeNull();

        removal.Version.ShouldBe(2);
        removal.IsNewVersion.ShouldBeTrue();
        // No target named: every target the video went to.
        removal.Claimed.Select(c => (c.Rendition, c.Target)).Order().ShouldBe([("360p", "cdn-a"), ("360p", "cdn-b"), ("720p", "cdn-a"), ("720p", "cdn-b")]);
        removal.Claimed.ShouldAllBe(c => c.Operation == DeliveryOperation.Remove && c.Version == 2 && c.SourcePath == $"movie-42/{c.Rendition}.mp4" && c.Kind == RenditionKind.File);
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        (video.Version, video.Action).ShouldBe((2, DeliveryOperation.Remove));
        video.Deliveries.ShouldAllBe(d => d.Operation == DeliveryOperation.Remove && d.State == DeliveryState.InFlight);
        VideoReport.Derive(video.Deliveries.Select(d => d.State), video.Action).ShouldBe(VideoState.Removing);
        var older = (await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull().Deliveries;
        older.Where(d => d.Target == "cdn-b").ShouldAllBe(d => d.State == DeliveryState.Superseded && d.LastError == "superseded by version 2");
        older.Where(d => d.Target == "cdn-a").ShouldAllBe(d => d.State == DeliveryState.Delivered);
        (await ClaimAllAsync(T0 + TimeSpan.FromHours(2))).ShouldBeEmpty("the pending pushes never land");

        var at = T0 + TimeSpan.FromMinutes(2);
        foreach (var claim in removal.Claimed)
        {
            await CompleteAsync(DeliveryCompletion.Removed(claim, Attempt(AttemptMode.Sync, true, at), at));
        }

        var removed = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        removed.DistributedAt.ShouldBe(at);
        removed.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Removed && d.DeliveredAt == at);
        VideoReport.Derive(removed.Deliveries.Select(d => d.State), removed.Action).ShouldBe(VideoState.Removed);
        (await EventsAsync()).Select(e => (e.Type, e.Version)).ShouldBe([(EventTypes.VideoRemoved, 2)], "version 1 never reached cdn-b; version 2 is removed everywhere, once");
        (await Store.GetStatisticsAsync(T0, Ct)).Deliveries.ShouldContain(new StateTally("cdn-a", DeliveryState.Removed, 2));
        (await Store.GetQueueAsync(new QueueQuery(), Ct)).Total.ShouldBe(0);

        var again = (await Store.RemoveAsync("movie-42", ["cdn-a", "cdn-b"], "node-b", T0 + TimeSpan.FromMinutes(3), Ct)).ShouldNotBeNull();
        (again.Version, again.IsNewVersion).ShouldBe((2, false), "the newest version already removes it from both");
        again.Claimed.ShouldBeEmpty();
        (await EventsAsync()).Count.ShouldBe(1);

        var back = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-a"], at: T0 + TimeSpan.FromMinutes(4));
        (back.Version, back.IsNewVersion).ShouldBe((3, true), "distributing the id again after a takedown is a new version, even with the same content");
        back.Claimed.Count.ShouldBe(2);
        back.Claimed.ShouldAllBe(c => c.Operation == DeliveryOperation.Push);
    }

    [Fact]
    public async Task Remove_of_an_unknown_video_is_null_and_stores_nothing()
    {
        (await Store.RemoveAsync("movie-7", ["cdn-a"], "node-a", T0, Ct)).ShouldBeNull();

        (await Store.GetVideoAsync("movie-7", Ct)).ShouldBeNull();
        (await Store.ListVideosAsync(10, Ct)).ShouldBeEmpty();
        (await Store.GetTargetVersionsAsync("movie-7", Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Remove_from_chosen_targets_leaves_the_others_and_a_wider_removal_is_a_new_version()
    {
        var first = await SubmitAsync("movie-42", ["720p"], ["cdn-a", "cdn-b"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var one = (await Store.RemoveAsync("movie-42", ["cdn-a"], "node-a", T0 + TimeSpan.FromMinutes(1), Ct)).ShouldNotBeNull();
        (one.Version, one.IsNewVersion).ShouldBe((2, true));
        one.Claimed.ShouldHaveSingleItem().Target.ShouldBe("cdn-a");
        var same = (await Store.RemoveAsync("movie-42", ["cdn-a"], "node-a", T0 + TimeSpan.FromMinutes(2), Ct)).ShouldNotBeNull();
        (same.Version, same.IsNewVersion).ShouldBe((2, false));
        same.Claimed.ShouldBeEmpty("its removal is in flight");

        var wider = (await Store.RemoveAsync("movie-42", ["cdn-a", "cdn-b"], "node-a", T0 + TimeSpan.FromMinutes(3), Ct)).ShouldNotBeNull();

        (wider.Version, wider.IsNewVersion).ShouldBe((3, true));
        wider.Claimed.Select(c => c.Target).ShouldBe(["cdn-b"], "cdn-a's removal of version 2 is still in flight: version 3's waits for it");
        (await DeliveryAsync(one.Claimed[0].Id)).State.ShouldBe(DeliveryState.Superseded);
        (await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull().Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
    }

    [Fact]
    public async Task A_removal_waits_for_a_push_still_writing_and_a_failed_removal_is_dead_with_its_events()
    {
        var push = await OneAsync("movie-42");

        var removal = (await Store.RemoveAsync("movie-42", ["cdn-a"], "node-b", T0 + TimeSpan.FromSeconds(5), Ct)).ShouldNotBeNull();

        removal.Claimed.ShouldBeEmpty("nothing is deleted while the push still writes");
        var waiting = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem();
        (waiting.State, waiting.Operation, waiting.LastError).ShouldBe((DeliveryState.Queued, DeliveryOperation.Remove, "waiting for version 1's push to stop"));
        (await Store.CompleteAsync(Delivered(push, T0 + TimeSpan.FromSeconds(6)), Ct)).ShouldBeFalse();

        var claim = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(6), "node-b")).ShouldHaveSingleItem();
        claim.Operation.ShouldBe(DeliveryOperation.Remove);
        await CompleteAsync(Dead(claim, T0 + TimeSpan.FromSeconds(7), error: "the file is still served after DELETE", errorKind: "not_removed"));

        var dead = await DeliveryAsync(claim.Id);
        (dead.State, dead.ErrorKind).ShouldBe((DeliveryState.Dead, "not_removed"));
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        VideoReport.Derive(video.Deliveries.Select(d => d.State), video.Action).ShouldBe(VideoState.Failed);
        video.DistributedAt.ShouldBeNull();
        (await EventsAsync()).Select(e => (e.Type, e.Version)).ShouldBe([(EventTypes.DeliveryDead, 2), (EventTypes.VideoFailed, 2)]);
        (await Store.GetQueueAsync(new QueueQuery(State: DeliveryState.Dead), Ct)).Items.ShouldHaveSingleItem().Operation.ShouldBe(DeliveryOperation.Remove);
    }

    [Fact]
    public async Task Target_versions_say_which_version_each_target_holds_and_whether_it_was_taken_down()
    {
        var first = await SubmitAsync("movie-42", ["720p"], ["cdn-a", "cdn-b"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var second = (await SubmitAsync("movie-42", ["720p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1))).Claimed.ShouldHaveSingleItem();

        (await Store.GetTargetVersionsAsync("movie-42", Ct)).ShouldBe([new TargetVersion("cdn-a", 1, 2, false), new TargetVersion("cdn-b", 1, null, false)]);

        await CompleteAsync(Delivered(second, T0 + TimeSpan.FromMinutes(2)));
        (await Store.GetTargetVersionsAsync("movie-42", Ct)).ShouldBe([new TargetVersion("cdn-a", 2, null, false), new TargetVersion("cdn-b", 1, null, false)]);

        var removal = (await Store.RemoveAsync("movie-42", ["cdn-b"], "node-a", T0 + TimeSpan.FromMinutes(3), Ct)).ShouldNotBeNull();
        (await Store.GetTargetVersionsAsync("movie-42", Ct)).ShouldBe([new TargetVersion("cdn-a", 2, null, false), new TargetVersion("cdn-b", 1, 3, false)], "players still get version 1 until the removal is done");

        await CompleteAsync(DeliveryCompletion.Removed(removal.Claimed.ShouldHaveSingleItem(), Attempt(AttemptMode.Sync, true, T0 + TimeSpan.FromMinutes(4)), T0 + TimeSpan.FromMinutes(4)));
        (await Store.GetTargetVersionsAsync("movie-42", Ct)).ShouldBe([new TargetVersion("cdn-a", 2, null, false), new TargetVersion("cdn-b", null, null, true)]);
    }

    [Fact]
    public async Task A_removed_rendition_found_again_at_its_target_is_reopened_and_removed_again_with_another_event()
    {
        var push = await OneAsync("movie-42");
        await CompleteAsync(Delivered(push, T0 + TimeSpan.FromSeconds(1)));
        var removal = (await Store.RemoveAsync("movie-42", ["cdn-a"], "node-a", T0 + TimeSpan.FromSeconds(1), Ct)).ShouldNotBeNull();
        var claim = removal.Claimed.ShouldHaveSingleItem();
        claim.Version.ShouldBe(2);
        await CompleteAsync(DeliveryCompletion.Removed(claim, Attempt(AttemptMode.Async, true, T0 + TimeSpan.FromSeconds(3)), T0 + TimeSpan.FromSeconds(3)));

        (await Store.ReopenDeliveredAsync(claim.Id, "movie-42/720p.mp4 is served again", "drifted", T0 + TimeSpan.FromMinutes(1), Ct)).ShouldBeTrue();

        var reopened = await DeliveryAsync(claim.Id);
        (reopened.State, reopened.Operation, reopened.ErrorKind).ShouldBe((DeliveryState.Queued, DeliveryOperation.Remove, "drifted"));
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull();
        var again = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(1))).ShouldHaveSingleItem();
        await CompleteAsync(DeliveryCompletion.Removed(again, Attempt(AttemptMode.Async, true, T0 + TimeSpan.FromMinutes(2)), T0 + TimeSpan.FromMinutes(2)));
        (await EventsAsync()).Where(e => e.Type == EventTypes.VideoRemoved).Select(e => e.CreatedAt).ShouldBe([T0 + TimeSpan.FromSeconds(3), T0 + TimeSpan.FromMinutes(2)]);
    }
}
