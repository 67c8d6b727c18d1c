using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Queue_pages_are_ordered_by_due_time_filtered_and_counted()
    {
        var queuedOnA = await QueueAsync("movie-1", [500, 100, 400, 200, 300], "cdn-a");
        var queuedOnB = await QueueAsync("movie-2", [150, 50], "cdn-b");
        var dead403 = new[] { await DeadAsync("movie-3", "cdn-a", "http_403"), await DeadAsync("movie-4", "cdn-a", "http_403") };
        var deadAuth = await DeadAsync("movie-5", "cdn-b", "auth");
        var delivered = await OneAsync("movie-6");
        await CompleteAsync(Delivered(delivered, T0 + TimeSpan.FromSeconds(1)));
        await OneAsync("movie-7");

        var queued = await Store.GetQueueAsync(new QueueQuery(DeliveryState.Queued), Ct);
        queued.Total.ShouldBe(7);
        queued.Items.Select(i => i.Id).ShouldBe([queuedOnB[1], queuedOnA[1], queuedOnB[0], queuedOnA[3], queuedOnA[4], queuedOnA[2], queuedOnA[0]]);
        var item = queued.Items[0];
        (item.VideoId, item.Rendition, item.Target, item.State, item.Attempts, item.LastError, item.ErrorKind, item.NextAttemptAt)
            .ShouldBe(("movie-2", "r001", "cdn-b", DeliveryState.Queued, 1, "503 Service Unavailable", "http_503", T0 + TimeSpan.FromSeconds(50)));

        var page = await Store.GetQueueAsync(new QueueQuery(DeliveryState.Queued, Offset: 2, Limit: 3), Ct);
        page.Total.ShouldBe(7, "the total counts every match, not the page");
        page.Items.Select(i => i.Id).ShouldBe(queued.Items.Skip(2).Take(3).Select(i => i.Id));

        var dead = await Store.GetQueueAsync(new QueueQuery(DeliveryState.Dead), Ct);
        dead.Total.ShouldBe(3);
        dead.Items.Select(i => i.Id).Order().ShouldBe(dead403.Append(deadAuth).Order());
        dead.Items.ShouldAllBe(i => i.State == DeliveryState.Dead && i.NextAttemptAt == null);

        var both = await Store.GetQueueAsync(new QueueQuery(), Ct);
        both.Total.ShouldBe(10, "no state: the failure queue and the dead letters, not delivered or in-flight work");
        both.Items.Take(7).Select(i => i.Id).ShouldBe(queued.Items.Select(i => i.Id), "queued first, by due time");
        both.Items.Skip(7).ShouldAllBe(i => i.State == DeliveryState.Dead);

        var onB = await Store.GetQueueAsync(new QueueQuery(Target: "cdn-b"), Ct);
        onB.Total.ShouldBe(3);
        onB.Items.Select(i => i.Id).ShouldBe([queuedOnB[1], queuedOnB[0], deadAuth]);

        var forbidden = await Store.GetQueueAsync(new QueueQuery(DeliveryState.Dead, ErrorKind: "http_403"), Ct);
        forbidden.Total.ShouldBe(2);
        forbidden.Items.Select(i => i.Id).Order().ShouldBe(dead403.Order());

        var beyond = await Store.GetQueueAsync(new QueueQuery(DeliveryState.Queued, Offset: 100), Ct);
        beyond.Total.ShouldBe(7);
        beyond.Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Statistics_tally_attempts_by_mode_and_target_and_deliveries_by_state()
    {
        var hourAgo = T0 - TimeSpan.FromHours(1);
        var result = await SubmitAsync("movie-1", ["r1", "r2", "r3", "r4", "r5", "r6"], ["cdn-a", "cdn-b"], at: T0 - TimeSpan.FromHours(3));
        ClaimedDelivery Claim(string rendition, string target) => result.Claimed.Single(c => c.Rendition == rendition && c.Target == target);
        await CompleteAsync(Delivered(Claim("r1", "cdn-a"), T0, AttemptMode.Sync, 100, startedAt: T0 - TimeSpan.FromHours(2)));
        await CompleteAsync(Delivered(Claim("r2", "cdn-a"), T0, AttemptMode.Sync, 200, startedAt: T0 - TimeSpan.FromMinutes(5)));
        await CompleteAsync(Queued(Claim("r1", "cdn-b"), T0, T0 + TimeSpan.FromHours(1), AttemptMode.Sync, startedAt: T0 - TimeSpan.FromMinutes(5)));
        await CompleteAsync(Delivered(Claim("r2", "cdn-b"), T0, AttemptMode.Async, 300, startedAt: T0 - TimeSpan.FromHours(2)));
        await CompleteAsync(Dead(Claim("r3", "cdn-a"), T0, mode: AttemptMode.Manual));
        await CompleteAsync(Delivered(Claim("r3", "cdn-b"), T0, AttemptMode.Manual, 50, startedAt: hourAgo));

        var stats = await Store.GetStatisticsAsync(hourAgo, Ct);

        stats.Attempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode).ShouldBe(
        [
            new AttemptTally(AttemptMode.Sync, "cdn-a", 2, 0, 300),
            new AttemptTally(AttemptMode.Manual, "cdn-a", 0, 1, 0),
            new AttemptTally(AttemptMode.Sync, "cdn-b", 0, 1, 10),
            new AttemptTally(AttemptMode.Async, "cdn-b", 1, 0, 300),
            new AttemptTally(AttemptMode.Manual, "cdn-b", 1, 0, 50),
        ]);
        stats.RecentAttempts.OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Mode).ToArray().ShouldBe(
        new AttemptTally[]
        {
            new AttemptTally(AttemptMode.Sync, "cdn-a", 1, 0, 200),
            new AttemptTally(AttemptMode.Manual, "cdn-a", 0, 1, 0),
            new AttemptTally(AttemptMode.Sync, "cdn-b", 0, 1, 10),
            new AttemptTally(AttemptMode.Manual, "cdn-b", 1, 0, 50),
        }, "recent means started at or after the given moment");
        stats.Deliveries.Where(t => t.Count > 0).OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.State).ShouldBe(
        [
            new StateTally("cdn-a", DeliveryState.InFlight, 3),
            new StateTally("cdn-a", DeliveryState.Delivered, 2),
            new StateTally("cdn-a", DeliveryState.Dead, 1),
            new StateTally("cdn-b", DeliveryState.InFlight, 3),
            new StateTally("cdn-b", DeliveryState.Queued, 1),
            new StateTally("cdn-b", DeliveryState.Delivered, 2),
        ]);
        stats.SecondsToDistributed.ShouldBeEmpty("movie-1 is not everywhere yet");
    }

    [Fact]
    public async Task Statistics_give_seconds_to_distributed_of_distributed_versions()
    {
        foreach (var (videoId, seconds) in new[] { ("movie-1", 2.0), ("movie-2", 10.0), ("movie-3", 95.4) })
        {
            var result = await SubmitAsync(videoId, ["360p", "720p"], ["cdn-a"], at: T0);
            await CompleteAsync(Delivered(result.Claimed[0], T0 + TimeSpan.FromSeconds(1)));
            await CompleteAsync(Delivered(result.Claimed[1], T0 + TimeSpan.FromSeconds(seconds)));
        }

        var pending = await SubmitAsync("movie-4", ["360p", "720p"], ["cdn-a"], at: T0);
        await CompleteAsync(Delivered(pending.Claimed[0], T0 + TimeSpan.FromSeconds(1)));

        var stats = await Store.GetStatisticsAsync(T0, Ct);

        stats.SecondsToDistributed.Order().ShouldBe([2.0, 10.0, 95.4]);
    }

    [Fact]
    public async Task Attempt_series_counts_attempts_per_mode_in_time_buckets()
    {
        var result = await SubmitAsync("movie-1", ["r1", "r2", "r3", "r4", "r5"], ["cdn-a"], at: T0 - TimeSpan.FromMinutes(5));
        ClaimedDelivery Claim(string rendition) => result.Claimed.Single(c => c.Rendition == rendition);
        await CompleteAsync(Delivered(Claim("r1"), T0 + TimeSpan.FromMinutes(5), AttemptMode.Sync, startedAt: T0 + TimeSpan.FromSeconds(10)));
        await CompleteAsync(Queued(Claim("r2"), T0 + TimeSpan.FromMinutes(5), T0 + TimeSpan.FromHours(1), AttemptMode.Sync, startedAt: T0 + TimeSpan.FromSeconds(20)));
        await CompleteAsync(Delivered(Claim("r3"), T0 + TimeSpan.FromMinutes(5), AttemptMode.Async, startedAt: T0 + TimeSpan.FromSeconds(70)));
        await CompleteAsync(Dead(Claim("r4"), T0 + TimeSpan.FromSeconds(131), mode: AttemptMode.Manual));
        await CompleteAsync(Delivered(Claim("r5"), T0 + TimeSpan.FromMinutes(5), AttemptMode.Sync, startedAt: T0 - TimeSpan.FromSeconds(10)));

        var series = await Store.GetAttemptSeriesAsync(T0, TimeSpan.FromMinutes(1), Ct);

        series.Where(b => b.Succeeded + b.Failed > 0).OrderBy(b => b.Start).ThenBy(b => b.Mode).ToArray().ShouldBe(
        new AttemptBucket[]
        {
            new AttemptBucket(T0, AttemptMode.Sync, 1, 1),
            new AttemptBucket(T0 + TimeSpan.FromMinutes(1), AttemptMode.Async, 1, 0),
            new AttemptBucket(T0 + TimeSpan.FromMinutes(2), AttemptMode.Manual, 0, 1),
        }, "an attempt started before 'since' is left out; empty buckets are absent or zero");
        series.ShouldAllBe(b => b.Start >= T0);
    }
}
