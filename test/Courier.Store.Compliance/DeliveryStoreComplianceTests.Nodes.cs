using Courier.Core.Domain;
using Courier.Core.Targets;

namespace Courier.Store.Compliance;

/// <summary>Node heartbeats: where the two stores once differed, one behaviour for both.</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    /// <summary>The node ids the store holds a heartbeat for, read from its <c>nodes</c> table directly.</summary>
    protected abstract Task<IReadOnlyList<string>> NodeIdsAsync();

    [Fact]
    public async Task Reclaim_forgets_the_heartbeats_of_the_nodes_it_takes_work_from()
    {
        await SubmitAsync("movie-1", ["360p"], ["cdn-a"], node: "node-a", at: T0);
        await Store.HeartbeatAsync("node-b", T0 + TimeSpan.FromSeconds(90), Ct);
        var now = T0 + TimeSpan.FromSeconds(90);

        (await Store.ReclaimExpiredAsync(now - TimeSpan.FromMinutes(1), now, Ct)).ShouldBe(1);

        (await NodeIdsAsync()).ShouldBe(["node-b"], "a node whose heartbeat stopped leaves no row behind; a live one keeps its own");
    }

    [Fact]
    public async Task A_node_whose_heartbeat_was_taken_away_is_recorded_again_by_its_next_claim_however_soon()
    {
        // node-a claims, then looks dead to a reclaim a moment later (a pause longer than the lease timeout, in short), which
        // takes its work and its heartbeat. Its next claim, half a second after the first, must record it again, or the
        // next reclaim would take that work from a node that is alive and pushing it.
        await QueueAsync("movie-1", [1]);
        (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(1), "node-a")).ShouldHaveSingleItem();
        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromSeconds(1.2), T0 + TimeSpan.FromSeconds(1.2), Ct)).ShouldBe(1);
        (await NodeIdsAsync()).ShouldBeEmpty();

        var again = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(1.5), "node-a")).ShouldHaveSingleItem();

        (await NodeIdsAsync()).ShouldBe(["node-a"]);
        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromSeconds(1.4), T0 + TimeSpan.FromSeconds(1.6), Ct)).ShouldBe(0, "node-a's claim at T0 + 1.5 s was its heartbeat");
        (await DeliveryAsync(again.Id)).State.ShouldBe(DeliveryState.InFlight);
    }

    [Fact]
    public async Task A_late_heartbeat_with_an_older_time_never_moves_a_nodes_heartbeat_back()
    {
        var claim = await OneAsync("movie-1", node: "node-a", at: T0 + TimeSpan.FromMinutes(5));
        await Store.HeartbeatAsync("node-a", T0, Ct);

        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(4), T0 + TimeSpan.FromMinutes(5), Ct)).ShouldBe(0, "node-a's newest heartbeat is at T0 + 5 min");
        (await DeliveryAsync(claim.Id)).State.ShouldBe(DeliveryState.InFlight);
    }

    [Fact]
    public async Task A_reclaimed_delivery_says_in_the_same_words_in_every_store_which_node_lost_it()
    {
        var claim = await OneAsync("movie-1", node: "node-a", at: T0);

        await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromMinutes(2), Ct);

        var delivery = await DeliveryAsync(claim.Id);
        delivery.ErrorKind.ShouldBe(ErrorKinds.LeaseLost);
        delivery.LastError.ShouldBe("lease lost: node node-a stopped sending heartbeats; taken back");
    }

    [Fact]
    public async Task Claims_a_live_node_lost_track_of_go_back_to_the_queue_and_only_those()
    {
        var submitted = await SubmitAsync("movie-1", ["360p", "720p", "1080p"], ["cdn-a"], node: "node-a", at: T0);
        var held = submitted.Claimed[0];
        var other = await OneAsync("movie-2", node: "node-b", at: T0);
        var now = T0 + TimeSpan.FromMinutes(2);

        (await Store.ReleaseLostClaimsAsync("node-a", [held.LeaseToken], T0, now, Ct)).ShouldBe(0, "nothing was claimed before T0");
        (await Store.ReleaseLostClaimsAsync("node-a", [held.LeaseToken], now - TimeSpan.FromMinutes(1), now, Ct)).ShouldBe(2);

        (await DeliveryAsync(held.Id)).State.ShouldBe(DeliveryState.InFlight, "node-a still holds this lease");
        (await DeliveryAsync(other.Id)).State.ShouldBe(DeliveryState.InFlight, "another node's claim is not node-a's to hand back");
        foreach (var lost in submitted.Claimed.Skip(1))
        {
            var delivery = await DeliveryAsync(lost.Id);
            delivery.State.ShouldBe(DeliveryState.Queued);
            delivery.Attempts.ShouldBe(0);
            delivery.NextAttemptAt.ShouldBe(now);
            (await Store.CompleteAsync(Delivered(lost, now), Ct)).ShouldBeFalse("its lost lease writes nothing");
        }

        (await ClaimAllAsync(now)).Select(c => c.Id).Order().ShouldBe(submitted.Claimed.Skip(1).Select(c => c.Id).Order());
    }
}
