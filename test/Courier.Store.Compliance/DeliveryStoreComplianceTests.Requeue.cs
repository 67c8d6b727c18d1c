using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    /// <summary>Drives a delivery through two failed attempts to dead (attempts = 2).</summary>
    private async Task<Guid> DeadAfterTwoAttemptsAsync(string videoId)
    {
        var claim = await OneAsync(videoId);
        await CompleteAsync(Queued(claim, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromSeconds(30)));
        var retry = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(30))).ShouldHaveSingleItem();
        await CompleteAsync(Dead(retry, T0 + TimeSpan.FromSeconds(31), mode: AttemptMode.Async));
        return claim.Id;
    }

    [Fact]
    public async Task Requeue_by_ids_takes_dead_and_queued_deliveries_resets_attempts_and_marks_them_resubmitted()
    {
        var dead = await DeadAfterTwoAttemptsAsync("movie-1");
        var queued = await QueueAsync("movie-2", [3600]);
        var delivered = await OneAsync("movie-3");
        await CompleteAsync(Delivered(delivered, T0 + TimeSpan.FromSeconds(1)));
        var inFlight = await OneAsync("movie-4");
        var now = T0 + TimeSpan.FromMinutes(10);

        var requeued = await Store.RequeueAsync(new RequeueRequest([dead, queued[0], delivered.Id, inFlight.Id, Guid.NewGuid()], null, null, now), Ct);

        requeued.Order().ShouldBe(new[] { dead, queued[0] }.Order());
        foreach (var id in requeued)
        {
            var delivery = await DeliveryAsync(id);
            delivery.State.ShouldBe(DeliveryState.Queued);
            delivery.NextAttemptAt.ShouldBe(now);
            delivery.Attempts.ShouldBe(0);
        }

        (await DeliveryAsync(delivered.Id)).State.ShouldBe(DeliveryState.Delivered);
        (await DeliveryAsync(inFlight.Id)).State.ShouldBe(DeliveryState.InFlight);
        (await Store.CompleteAsync(Delivered(inFlight, now), Ct)).ShouldBeTrue("a requeue leaves in-flight work and its lease alone");
        var claimed = await ClaimAllAsync(now);
        claimed.Select(c => c.Id).Order().ShouldBe(requeued.Order());
        claimed.ShouldAllBe(c => c.Resubmitted && c.Attempts == 0);
    }

    [Fact]
    public async Task A_resubmitted_delivery_is_claimed_as_resubmitted_until_an_attempt_is_recorded()
    {
        var id = await DeadAsync("movie-1");
        await Store.RequeueAsync(new RequeueRequest([id], null, null, T0 + TimeSpan.FromMinutes(1)), Ct);

        var first = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(1))).ShouldHaveSingleItem();
        first.Resubmitted.ShouldBeTrue();
        var deferred = DeliveryCompletion.Deferred(first, T0 + TimeSpan.FromMinutes(2), "target cdn-a is down", "target_down", T0 + TimeSpan.FromMinutes(1));
        await CompleteAsync(deferred);
        var second = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(2))).ShouldHaveSingleItem();
        second.Resubmitted.ShouldBeTrue("nothing was attempted yet: the next attempt is still the person's");
        await CompleteAsync(Queued(second, T0 + TimeSpan.FromMinutes(3), T0 + TimeSpan.FromMinutes(4), AttemptMode.Manual));
        var third = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(4))).ShouldHaveSingleItem();

        third.Resubmitted.ShouldBeFalse();
        third.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task Requeue_by_target_takes_only_dead_deliveries_to_that_target()
    {
        var deadOnA1 = await DeadAsync("movie-1", "cdn-a");
        var deadOnA2 = await DeadAsync("movie-2", "cdn-a", "auth");
        var deadOnB = await DeadAsync("movie-3", "cdn-b");
        var queuedOnA = await QueueAsync("movie-4", [3600], "cdn-a");
        var now = T0 + TimeSpan.FromMinutes(5);

        var requeued = await Store.RequeueAsync(new RequeueRequest(null, "cdn-a", null, now), Ct);

        requeued.Order().ShouldBe(new[] { deadOnA1, deadOnA2 }.Order());
        (await DeliveryAsync(deadOnB)).State.ShouldBe(DeliveryState.Dead);
        var untouched = await DeliveryAsync(queuedOnA[0]);
        untouched.NextAttemptAt.ShouldBe(T0 + TimeSpan.FromHours(1));
        untouched.Attempts.ShouldBe(1);
        (await ClaimAllAsync(now)).Select(c => c.Id).Order().ShouldBe(requeued.Order());

        (await Store.RequeueAsync(new RequeueRequest(null, null, null, now), Ct)).ShouldBe([deadOnB], "no filter: every dead delivery");
    }

    [Fact]
    public async Task Requeue_by_error_kind_takes_only_dead_deliveries_with_that_kind()
    {
        var forbidden = await DeadAsync("movie-1", "cdn-a", "http_403");
        var auth = await DeadAsync("movie-2", "cdn-a", "auth");
        var authOnB = await DeadAsync("movie-3", "cdn-b", "auth");

        (await Store.RequeueAsync(new RequeueRequest(null, "cdn-a", "auth", T0 + TimeSpan.FromMinutes(1)), Ct)).ShouldBe([auth]);
        (await Store.RequeueAsync(new RequeueRequest(null, null, "auth", T0 + TimeSpan.FromMinutes(1)), Ct)).ShouldBe([authOnB]);

        (await DeliveryAsync(forbidden)).State.ShouldBe(DeliveryState.Dead);
        (await DeliveryAsync(auth)).State.ShouldBe(DeliveryState.Queued);
        (await Store.RequeueAsync(new RequeueRequest([], null, null, T0 + TimeSpan.FromMinutes(1)), Ct)).ShouldBeEmpty("an empty list of ids chooses nothing");
        (await DeliveryAsync(forbidden)).State.ShouldBe(DeliveryState.Dead);
    }
}
