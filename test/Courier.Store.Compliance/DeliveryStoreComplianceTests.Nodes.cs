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
}
