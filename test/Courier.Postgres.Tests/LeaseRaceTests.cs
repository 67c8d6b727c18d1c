using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;
using static Courier.Postgres.Tests.TestData;

namespace Courier.Postgres.Tests;

/// <summary>A node that lost its lease can never overwrite the work of the node that took over.</summary>
public sealed class LeaseRaceTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Node_whose_lease_was_taken_over_is_refused_when_it_completes()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var nodeA = db.Store;
        var nodeB = await db.NewStoreAsync();
        var submitted = await nodeA.SubmitAsync(Video("movie-1", ["360p"], ["cdn"]), "node-a", T0, Ct);
        await nodeA.CompleteAsync(Failed(submitted.Claimed[0], T0, T0.AddSeconds(1)), Ct);
        var claimA = (await nodeA.ClaimDueAsync("node-a", 10, T0.AddSeconds(1), [], Ct)).Single();

        // Node A stalls (its heartbeat stops at T0+1s); node B scans after the lease timeout and takes the work over.
        var bNow = T0.AddSeconds(1) + LeaseTimeout + TimeSpan.FromMilliseconds(1);
        (await nodeB.ReclaimExpiredAsync(bNow - LeaseTimeout, bNow, Ct)).ShouldBe(1);
        var reclaimed = await nodeB.GetDeliveryAsync(claimA.Id, Ct);
        reclaimed!.State.ShouldBe(DeliveryState.Queued);
        reclaimed.ErrorKind.ShouldBe(ErrorKinds.LeaseLost);
        reclaimed.Attempts.ShouldBe(1);
        var claimB = (await nodeB.ClaimDueAsync("node-b", 10, bNow, [], Ct)).Single();
        claimB.Id.ShouldBe(claimA.Id);
        claimB.LeaseToken.ShouldNotBe(claimA.LeaseToken);

        // A wakes up and reports success: refused, even though it says "delivered".
        (await nodeA.CompleteAsync(Delivered(claimA, bNow, "node-a"), Ct)).ShouldBeFalse();
        (await nodeA.CompleteAsync(Dead(claimA, bNow, "node-a"), Ct)).ShouldBeFalse();
        var stillB = await nodeA.GetDeliveryAsync(claimA.Id, Ct);
        stillB!.State.ShouldBe(DeliveryState.InFlight);

        (await nodeB.CompleteAsync(Delivered(claimB, bNow.AddSeconds(1), "node-b"), Ct)).ShouldBeTrue();
        (await nodeB.CompleteAsync(Delivered(claimB, bNow.AddSeconds(2), "node-b"), Ct)).ShouldBeFalse();

        var final = await nodeA.GetDeliveryAsync(claimA.Id, Ct);
        final!.State.ShouldBe(DeliveryState.Delivered);
        final.Attempts.ShouldBe(2);
        final.DeliveredAt.ShouldBe(bNow.AddSeconds(1));
        var ledger = await db.ListAsync($"SELECT node_id, succeeded FROM attempts WHERE delivery_id = '{claimA.Id}' ORDER BY id", r => (r.GetString(0), r.GetBoolean(1)));
        ledger.ShouldBe([("node-a", false), ("node-b", true)]);
        (await nodeA.ReadEventsAsync(0, 10, Ct)).Select(e => e.Type).ShouldBe([EventTypes.VideoDistributed]);
    }

    [Fact]
    public async Task Completion_racing_with_a_takeover_is_decided_once()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var nodeB = await db.NewStoreAsync();
        for (var round = 0; round < 30; round++)
        {
            var submitted = await db.Store.SubmitAsync(Video($"movie-{round}", ["360p"], ["cdn"]), "node-a", T0, Ct);
            var claimA = submitted.Claimed.Single();
            var late = T0 + LeaseTimeout + TimeSpan.FromSeconds(1);

            var complete = Task.Run(() => db.Store.CompleteAsync(Delivered(claimA, late, "node-a"), Ct), Ct);
            var reclaim = Task.Run(() => nodeB.ReclaimExpiredAsync(late - LeaseTimeout, late, Ct), Ct);
            var accepted = await complete;
            var reclaimed = await reclaim;

            // Exactly one of them wins: either A's outcome stands, or the delivery went back to the queue unattempted.
            (accepted ? 1 : 0).ShouldBe(1 - reclaimed);
            var view = await db.Store.GetDeliveryAsync(claimA.Id, Ct);
            view!.State.ShouldBe(accepted ? DeliveryState.Delivered : DeliveryState.Queued);
            view.Attempts.ShouldBe(accepted ? 1 : 0);
            await db.ExecuteAsync("DELETE FROM nodes");
        }
    }
}
