using Courier.Core.Configuration;
using Courier.Core.Domain;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Courier.Postgres.Tests.TestData;

namespace Courier.Postgres.Tests;

/// <summary>Retention keeps the ledger bounded on the shared store, and the statistics whole.</summary>
public sealed class LedgerRetentionTests
{
    [Fact]
    public async Task Attempts_older_than_the_retention_are_folded_into_totals_and_deleted()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var time = new FakeTimeProvider(T0);
        var retention = new LedgerRetention(db.Store, time, new CourierOptions { Store = { AttemptRetention = TimeSpan.FromDays(30) } }, NullLogger<LedgerRetention>.Instance);
        var old = (await db.Store.SubmitAsync(Video("old", ["360p"], ["cdn"]), "node-a", T0, Ct)).Claimed.Single();
        (await db.Store.CompleteAsync(Failed(old, T0, T0.AddMinutes(1)), Ct)).ShouldBeTrue();
        old = (await db.Store.ClaimDueAsync("node-a", 10, T0.AddMinutes(1), [], Ct)).Single();
        (await db.Store.CompleteAsync(Delivered(old, T0.AddMinutes(1)), Ct)).ShouldBeTrue();

        time.Advance(TimeSpan.FromDays(20));
        var recent = (await db.Store.SubmitAsync(Video("recent", ["360p"], ["cdn"]), "node-a", time.GetUtcNow(), Ct)).Claimed.Single();
        (await db.Store.CompleteAsync(Delivered(recent, time.GetUtcNow()), Ct)).ShouldBeTrue();
        var before = await db.Store.GetStatisticsAsync(T0, Ct);

        (await retention.RunOnceAsync(Ct)).ShouldBe(0, "nothing is 30 days old yet");
        time.Advance(TimeSpan.FromDays(11));
        (await retention.RunOnceAsync(Ct)).ShouldBe(2);
        (await retention.RunOnceAsync(Ct)).ShouldBe(0);

        var after = await db.Store.GetStatisticsAsync(T0, Ct);
        after.Attempts.ShouldBe(before.Attempts, ignoreOrder: true);
        after.Attempts.Single(a => a.Mode == AttemptMode.Sync).ShouldBe(new AttemptTally(AttemptMode.Sync, "cdn", 0, 1, 10));
        after.Attempts.Single(a => a.Mode == AttemptMode.Async).ShouldBe(new AttemptTally(AttemptMode.Async, "cdn", 2, 0, 2000));
        after.RecentAttempts.Sum(a => a.Succeeded).ShouldBe(1, "only the recent attempt is still in the ledger");
        var ledger = await db.ListAsync("SELECT d.video_id FROM attempts a JOIN deliveries d ON d.id = a.delivery_id", r => r.GetString(0));
        ledger.ShouldBe(["recent"]);
        (await db.Store.GetDeliveryAsync(old.Id, Ct))!.State.ShouldBe(DeliveryState.Delivered);
    }
}
