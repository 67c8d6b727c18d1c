using System.Collections.Concurrent;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    /// <summary>Queues one delivery per entry of <paramref name="dueAfter"/> (to <paramref name="target"/>), due at T0 + that many seconds.</summary>
    protected async Task<IReadOnlyList<Guid>> QueueAsync(string videoId, IReadOnlyList<int> dueAfter, string target = "cdn-a")
    {
        var renditions = Enumerable.Range(0, dueAfter.Count).Select(i => $"r{i:000}").ToList();
        var result = await SubmitAsync(videoId, renditions, [target]);
        var ids = new List<Guid>();
        for (var i = 0; i < dueAfter.Count; i++)
        {
            var claim = result.Claimed.Single(c => c.Rendition == renditions[i]);
            await CompleteAsync(Queued(claim, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromSeconds(dueAfter[i])));
            ids.Add(claim.Id);
        }

        return ids;
    }

    [Fact]
    public async Task Claim_returns_only_due_deliveries_oldest_due_first()
    {
        var ids = await QueueAsync("movie-42", [10, 40, 20, 60, 30]);
        var now = T0 + TimeSpan.FromSeconds(45);

        var claimed = await Store.ClaimDueAsync("node-b", 10, now, [], Ct);

        claimed.Select(c => c.Id).ShouldBe([ids[0], ids[2], ids[4], ids[1]]);
        claimed.ShouldAllBe(c => c.Attempts == 1 && c.Target == "cdn-a" && c.VideoId == "movie-42" && !c.Resubmitted);
        claimed.Select(c => c.LeaseToken).Distinct().Count().ShouldBe(4);
        foreach (var claim in claimed)
        {
            (await DeliveryAsync(claim.Id)).State.ShouldBe(DeliveryState.InFlight);
            claim.SourcePath.ShouldBe($"movie-42/{claim.Rendition}.mp4");
            claim.Fingerprint.ShouldBe($"content-1:{claim.Rendition}");
        }

        var notDue = await DeliveryAsync(ids[3]);
        notDue.State.ShouldBe(DeliveryState.Queued);
        notDue.NextAttemptAt.ShouldBe(T0 + TimeSpan.FromSeconds(60));
        (await Store.ClaimDueAsync("node-c", 10, now, [], Ct)).ShouldBeEmpty("claimed work is not claimed twice");
        (await Store.ClaimDueAsync("node-c", 10, T0 + TimeSpan.FromSeconds(60), [], Ct)).ShouldHaveSingleItem().Id.ShouldBe(ids[3]);
    }

    [Fact]
    public async Task Claim_respects_the_limit()
    {
        var ids = await QueueAsync("movie-42", [5, 4, 3, 2, 1]);
        var now = T0 + TimeSpan.FromMinutes(1);

        var first = await Store.ClaimDueAsync("node-a", 2, now, [], Ct);
        var second = await Store.ClaimDueAsync("node-a", 2, now, [], Ct);
        var third = await Store.ClaimDueAsync("node-a", 2, now, [], Ct);

        first.Select(c => c.Id).ShouldBe([ids[4], ids[3]]);
        second.Select(c => c.Id).ShouldBe([ids[2], ids[1]]);
        third.Select(c => c.Id).ShouldBe([ids[0]]);
        (await Store.ClaimDueAsync("node-a", 0, now, [], Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Claim_skips_excluded_targets()
    {
        var onA = await QueueAsync("movie-1", [1, 2], "cdn-a");
        var onB = await QueueAsync("movie-2", [1, 2], "cdn-b");
        var onC = await QueueAsync("movie-3", [1], "cdn-c");
        var now = T0 + TimeSpan.FromMinutes(1);

        var claimed = await Store.ClaimDueAsync("node-a", 100, now, ["cdn-b", "cdn-c"], Ct);

        claimed.Select(c => c.Id).Order().ShouldBe(onA.Order());
        foreach (var id in onB.Concat(onC))
        {
            (await DeliveryAsync(id)).State.ShouldBe(DeliveryState.Queued);
        }

        (await Store.ClaimDueAsync("node-a", 100, now, ["cdn-c"], Ct)).Select(c => c.Id).Order().ShouldBe(onB.Order());
    }

    [Fact]
    public async Task Concurrent_claimers_never_claim_the_same_delivery()
    {
        const int Claimers = 8;
        var renditions = Enumerable.Range(0, 50).Select(i => $"r{i:00}").ToList();
        var targets = Enumerable.Range(0, 10).Select(i => $"cdn-{i}").ToList();
        var seeded = await SubmitAsync("movie-42", renditions, targets, node: "seed");
        (await Store.ReleaseNodeAsync("seed", T0, Ct)).ShouldBe(500);
        var claims = new ConcurrentBag<(string Node, Guid Id, Guid Token)>();

        await Task.WhenAll(Enumerable.Range(0, Claimers).Select(n => Task.Run(
            async () =>
            {
                var node = $"claimer-{n}";
                for (var round = 0; round < 500; round++)
                {
                    var batch = await Store.ClaimDueAsync(node, 7, T0 + TimeSpan.FromSeconds(1), [], Ct);
                    if (batch.Count == 0)
                    {
                        return;
                    }

                    foreach (var claim in batch)
                    {
                        claims.Add((node, claim.Id, claim.LeaseToken));
                    }
                }
            },
            Ct)));

        claims.Count.ShouldBe(500, "every due delivery is claimed exactly once");
        claims.Select(c => c.Id).Distinct().Count().ShouldBe(500);
        claims.Select(c => c.Id).Order().ShouldBe(seeded.Claimed.Select(c => c.Id).Order());
        var stats = await Store.GetStatisticsAsync(T0, Ct);
        stats.Deliveries.Where(t => t.State == DeliveryState.InFlight).Sum(t => t.Count).ShouldBe(500);
        stats.Deliveries.Where(t => t.State != DeliveryState.InFlight).Sum(t => t.Count).ShouldBe(0);

        // Each claim's token is the one that holds it: every completion is accepted, once.
        var accepted = 0;
        foreach (var (_, id, token) in claims.Take(20))
        {
            var completion = new DeliveryCompletion(id, token, DeliveryState.Delivered, true, null, null, null, 1, "sha", null, T0 + TimeSpan.FromSeconds(2));
            accepted += await Store.CompleteAsync(completion, Ct) ? 1 : 0;
        }

        accepted.ShouldBe(20);
    }

    [Fact]
    public async Task Reclaim_takes_back_the_work_of_a_node_whose_heartbeat_stopped_and_not_of_a_live_node()
    {
        var dead = await SubmitAsync("movie-1", ["360p", "720p"], ["cdn-a"], node: "node-a", at: T0);
        var alive = await SubmitAsync("movie-2", ["360p"], ["cdn-a"], node: "node-b", at: T0);
        await Store.HeartbeatAsync("node-b", T0 + TimeSpan.FromSeconds(90), Ct);
        var now = T0 + TimeSpan.FromSeconds(90);

        var reclaimed = await Store.ReclaimExpiredAsync(now - TimeSpan.FromMinutes(1), now, Ct);

        reclaimed.ShouldBe(2);
        foreach (var claim in dead.Claimed)
        {
            var delivery = await DeliveryAsync(claim.Id);
            delivery.State.ShouldBe(DeliveryState.Queued);
            delivery.NextAttemptAt.ShouldBe(now);
            delivery.ErrorKind.ShouldBe(ErrorKinds.LeaseLost);
            delivery.Attempts.ShouldBe(0, "the lost work was not an attempt the store knows of");
        }

        (await DeliveryAsync(alive.Claimed[0].Id)).State.ShouldBe(DeliveryState.InFlight);
        (await Store.ReclaimExpiredAsync(now - TimeSpan.FromMinutes(1), now, Ct)).ShouldBe(0, "nothing left to take back");
        (await ClaimAllAsync(now, "node-b")).Select(c => c.Id).Order().ShouldBe(dead.Claimed.Select(c => c.Id).Order());
    }

    [Fact]
    public async Task A_claim_records_the_claiming_nodes_heartbeat()
    {
        await QueueAsync("movie-1", [1]);
        var claim = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(10), "node-b")).ShouldHaveSingleItem();

        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(9), T0 + TimeSpan.FromMinutes(10), Ct)).ShouldBe(0, "node-b's claim was its heartbeat");
        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(11), T0 + TimeSpan.FromMinutes(11), Ct)).ShouldBe(1);
        (await DeliveryAsync(claim.Id)).State.ShouldBe(DeliveryState.Queued);
    }

    [Fact]
    public async Task Releasing_a_node_on_shutdown_queues_its_work_due_now_unattempted()
    {
        var leaving = await SubmitAsync("movie-1", ["360p", "720p"], ["cdn-a"], node: "node-a");
        var staying = await SubmitAsync("movie-2", ["360p"], ["cdn-a"], node: "node-b");
        var now = T0 + TimeSpan.FromSeconds(5);

        (await Store.ReleaseNodeAsync("node-a", now, Ct)).ShouldBe(2);

        foreach (var claim in leaving.Claimed)
        {
            var delivery = await DeliveryAsync(claim.Id);
            delivery.State.ShouldBe(DeliveryState.Queued);
            delivery.NextAttemptAt.ShouldBe(now);
            delivery.Attempts.ShouldBe(0);
            (await Store.CompleteAsync(Delivered(claim, now), Ct)).ShouldBeFalse("the released lease no longer holds it");
        }

        (await DeliveryAsync(staying.Claimed[0].Id)).State.ShouldBe(DeliveryState.InFlight);
        (await Store.ReleaseNodeAsync("node-a", now, Ct)).ShouldBe(0);
        (await ClaimAllAsync(now, "node-c")).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Make_due_drains_a_target_now()
    {
        var onA = await QueueAsync("movie-1", [3600, 7200, 30], "cdn-a");
        var onB = await QueueAsync("movie-2", [3600], "cdn-b");
        var now = T0 + TimeSpan.FromMinutes(1);

        (await Store.MakeDueAsync("cdn-a", now, Ct)).ShouldBe(2, "two were not due yet");

        (await DeliveryAsync(onA[1])).NextAttemptAt.ShouldBe(now);
        (await DeliveryAsync(onB[0])).NextAttemptAt.ShouldBe(T0 + TimeSpan.FromHours(1));
        (await ClaimAllAsync(now)).Select(c => c.Id).Order().ShouldBe(onA.Order());
        (await Store.MakeDueAsync("cdn-a", now, Ct)).ShouldBe(0, "in-flight deliveries are not queued");
    }
}
