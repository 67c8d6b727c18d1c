using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task A_missed_deadline_is_flagged_once_with_an_event()
    {
        var late = await OneAsync("movie-1", at: T0);
        var delivered = await OneAsync("movie-2", at: T0);
        await CompleteAsync(Delivered(delivered, T0 + TimeSpan.FromMinutes(1)));
        var dead = await DeadAsync("movie-3", at: T0 + TimeSpan.FromSeconds(1));
        var young = await OneAsync("movie-4", at: T0 + TimeSpan.FromMinutes(10));
        var now = T0 + TimeSpan.FromMinutes(20);

        var missed = await Store.MarkDeadlineMissedAsync(now - TimeSpan.FromMinutes(15), now, 100, Ct);

        missed.Select(d => d.Id).Order().ShouldBe(new[] { late.Id, dead }.Order(), "not delivered within the threshold, dead or not");
        missed.Single(d => d.Id == late.Id).State.ShouldBe(DeliveryState.InFlight);
        var events = (await EventsAsync()).Where(e => e.Type == EventTypes.DeadlineMissed).ToList();
        events.Select(e => e.DeliveryId).Order().ShouldBe(new Guid?[] { late.Id, dead }.Order());
        events.ShouldAllBe(e => e.CreatedAt == now && e.Version == 1);

        (await Store.MarkDeadlineMissedAsync(now - TimeSpan.FromMinutes(15), now, 100, Ct)).ShouldBeEmpty("a delivery is flagged once");
        (await EventsAsync()).Count(e => e.Type == EventTypes.DeadlineMissed).ShouldBe(2);
        var later = T0 + TimeSpan.FromMinutes(30);
        (await Store.MarkDeadlineMissedAsync(later - TimeSpan.FromMinutes(15), later, 100, Ct)).ShouldHaveSingleItem().Id.ShouldBe(young.Id);
    }

    [Fact]
    public async Task Deadline_flagging_respects_its_limit()
    {
        var result = await SubmitAsync("movie-1", ["r1", "r2", "r3"], ["cdn-a"], at: T0);
        var now = T0 + TimeSpan.FromHours(1);

        var first = await Store.MarkDeadlineMissedAsync(now - TimeSpan.FromMinutes(15), now, 2, Ct);
        var second = await Store.MarkDeadlineMissedAsync(now - TimeSpan.FromMinutes(15), now, 2, Ct);

        first.Count.ShouldBe(2);
        second.Count.ShouldBe(1);
        first.Concat(second).Select(d => d.Id).Order().ShouldBe(result.Claimed.Select(c => c.Id).Order());
    }

    [Fact]
    public async Task Events_are_read_after_an_id_oldest_first()
    {
        await DeadAsync("movie-1");
        await DeadAsync("movie-2");
        var all = await EventsAsync();
        all.Select(e => (e.Type, e.VideoId)).ShouldBe(
        [
            (EventTypes.DeliveryDead, "movie-1"), (EventTypes.VideoFailed, "movie-1"),
            (EventTypes.DeliveryDead, "movie-2"), (EventTypes.VideoFailed, "movie-2"),
        ]);
        all.Select(e => e.Id).ShouldBeInOrder(SortDirection.Ascending);

        (await Store.ReadEventsAsync(all[0].Id, 2, Ct)).Select(e => e.Id).ShouldBe([all[1].Id, all[2].Id]);
        (await Store.ReadEventsAsync(all[3].Id, 10, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_consumer_lease_is_held_by_one_node_at_a_time()
    {
        await DeadAsync("movie-1");
        var history = await EventsAsync();
        var lease = TimeSpan.FromSeconds(30);

        var first = (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", T0, lease, Ct)).ShouldNotBeNull();
        first.Consumer.ShouldBe("webhook-1");
        first.Position.ShouldBe(history[^1].Id, "a new consumer starts after the events written before it existed");
        first.Attempts.ShouldBe(0);

        (await Store.TryLeaseConsumerAsync("webhook-1", "node-b", T0 + TimeSpan.FromSeconds(10), lease, Ct)).ShouldBeNull("node-a holds it");
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", T0 + TimeSpan.FromSeconds(20), lease, Ct)).ShouldNotBeNull("the holder renews its lease");
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-b", T0 + TimeSpan.FromSeconds(40), lease, Ct)).ShouldBeNull("the renewed lease runs until T0+50s");
        (await Store.TryLeaseConsumerAsync("webhook-2", "node-b", T0 + TimeSpan.FromSeconds(40), lease, Ct)).ShouldNotBeNull("another consumer is leased apart");
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-b", T0 + TimeSpan.FromSeconds(50), lease, Ct)).ShouldNotBeNull("the lease lapsed");
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", T0 + TimeSpan.FromSeconds(60), lease, Ct)).ShouldBeNull("node-b holds it now");
    }

    [Fact]
    public async Task Saving_a_consumer_requires_its_lease()
    {
        var lease = TimeSpan.FromSeconds(30);
        var state = (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", T0, lease, Ct)).ShouldNotBeNull();
        var progress = state with { Position = state.Position + 3, Attempts = 2, NextAttemptAt = T0 + TimeSpan.FromMinutes(1), LastError = "502 Bad Gateway" };

        (await Store.SaveConsumerAsync("node-a", progress, Ct)).ShouldBeTrue();
        (await Store.SaveConsumerAsync("node-b", progress with { Position = 999 }, Ct)).ShouldBeFalse("node-b does not hold the lease");
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", T0 + TimeSpan.FromSeconds(1), lease, Ct)).ShouldBe(progress);

        var takenOver = (await Store.TryLeaseConsumerAsync("webhook-1", "node-b", T0 + TimeSpan.FromMinutes(5), lease, Ct)).ShouldNotBeNull();
        takenOver.ShouldBe(progress, "the new holder goes on from the saved progress");
        (await Store.SaveConsumerAsync("node-a", progress with { Position = 999 }, Ct)).ShouldBeFalse("node-a lost the lease");
        (await Store.SaveConsumerAsync("node-b", progress with { Position = progress.Position + 1, Attempts = 0, NextAttemptAt = null, LastError = null }, Ct)).ShouldBeTrue();
        (await Store.TryLeaseConsumerAsync("webhook-1", "node-b", T0 + TimeSpan.FromMinutes(6), lease, Ct)).ShouldBe(new ConsumerState("webhook-1", progress.Position + 1, 0, null, null));
        (await Store.SaveConsumerAsync("node-a", new ConsumerState("webhook-9", 1, 0, null, null), Ct)).ShouldBeFalse("no such consumer");
    }

    [Fact]
    public async Task Pruning_folds_old_attempts_into_totals_so_statistics_stay_whole()
    {
        var old = T0 - TimeSpan.FromDays(40);
        var result = await SubmitAsync("movie-1", ["r1", "r2", "r3", "r4"], ["cdn-a", "cdn-b"], at: old);
        ClaimedDelivery Claim(string rendition, string target) => result.Claimed.Single(c => c.Rendition == rendition && c.Target == target);
        await CompleteAsync(Delivered(Claim("r1", "cdn-a"), old + TimeSpan.FromSeconds(2), AttemptMode.Sync, 100));
        await CompleteAsync(Queued(Claim("r1", "cdn-b"), old + TimeSpan.FromSeconds(2), T0 + TimeSpan.FromDays(1)));
        await CompleteAsync(Delivered(Claim("r2", "cdn-a"), T0, AttemptMode.Sync, 200));
        await CompleteAsync(Delivered(Claim("r2", "cdn-b"), T0, AttemptMode.Async, 300));
        var before = await Store.GetStatisticsAsync(T0 - TimeSpan.FromDays(1), Ct);
        var cutoff = T0 - TimeSpan.FromDays(30);

        (await Store.PruneAsync(cutoff, Ct)).ShouldBe(2);

        var after = await Store.GetStatisticsAsync(T0 - TimeSpan.FromDays(1), Ct);
        after.Attempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode).ShouldBe(before.Attempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode));
        after.RecentAttempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode).ShouldBe(before.RecentAttempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode));
        after.Deliveries.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.State).ShouldBe(before.Deliveries.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.State));
        (await Store.GetAttemptSeriesAsync(old - TimeSpan.FromDays(1), TimeSpan.FromDays(1), Ct)).Where(b => b.Start < cutoff).ShouldBeEmpty("pruned attempts are gone from the ledger");
        (await Store.PruneAsync(cutoff, Ct)).ShouldBe(0);

        // A second round folds into the same totals without counting anything twice.
        await CompleteAsync(Delivered(Claim("r3", "cdn-a"), T0, AttemptMode.Sync, 50, startedAt: old + TimeSpan.FromMinutes(1)));
        (await Store.PruneAsync(cutoff, Ct)).ShouldBe(1);
        var total = await Store.GetStatisticsAsync(T0 - TimeSpan.FromDays(1), Ct);
        total.Attempts.Where(t => t.Target == "cdn-a").ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn-a", 3, 0, 350)]);
        total.Attempts.Where(t => t.Target == "cdn-b").OrderBy(t => t.Mode).ShouldBe(
        [
            new AttemptTally(AttemptMode.Sync, "cdn-b", 0, 1, 10),
            new AttemptTally(AttemptMode.Async, "cdn-b", 1, 0, 300),
        ]);
    }

    [Fact]
    public async Task Pruning_deletes_old_events_only_once_every_consumer_has_passed_them()
    {
        var old = T0 - TimeSpan.FromDays(40);
        var hook = (await Store.TryLeaseConsumerAsync("webhook-1", "node-a", old, TimeSpan.FromDays(100), Ct)).ShouldNotBeNull();
        await DeadAsync("movie-1", at: old);
        await DeadAsync("movie-2", at: T0);
        var events = await EventsAsync();
        events.Count.ShouldBe(4);
        var cutoff = T0 - TimeSpan.FromDays(30);

        await Store.PruneAsync(cutoff, Ct);
        (await EventsAsync()).Count.ShouldBe(4, "webhook-1 has not handled the old events yet");

        (await Store.SaveConsumerAsync("node-a", hook with { Position = events[1].Id }, Ct)).ShouldBeTrue();
        await Store.PruneAsync(cutoff, Ct);
        (await EventsAsync()).Select(e => e.Id).ShouldBe([events[2].Id, events[3].Id], "old events every consumer passed are deleted, newer ones kept");

        (await Store.SaveConsumerAsync("node-a", hook with { Position = events[3].Id }, Ct)).ShouldBeTrue();
        await Store.PruneAsync(cutoff, Ct);
        (await EventsAsync()).Count.ShouldBe(2, "events after the cutoff are kept");
        var newcomer = (await Store.TryLeaseConsumerAsync("webhook-2", "node-a", T0, TimeSpan.FromMinutes(1), Ct)).ShouldNotBeNull();
        newcomer.Position.ShouldBe(events[3].Id);
    }

    [Fact]
    public async Task Migrating_again_is_harmless()
    {
        var claim = await OneAsync("movie-1");
        await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));

        await Store.MigrateAsync(Ct);
        await Store.MigrateAsync(Ct);

        await Store.PingAsync(Ct);
        var video = (await Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull();
        video.Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Delivered);
        (await SubmitAsync("movie-2", ["720p"], ["cdn-a"])).Version.ShouldBe(1);
    }
}
