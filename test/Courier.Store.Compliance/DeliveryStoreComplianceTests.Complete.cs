using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Completing_as_delivered_records_bytes_duration_attempt_and_ends_the_lease()
    {
        var claim = await OneAsync("movie-42");
        var done = T0 + TimeSpan.FromSeconds(2);

        await CompleteAsync(Delivered(claim, done, bytes: 1234, startedAt: T0));

        var delivery = await DeliveryAsync(claim.Id);
        delivery.State.ShouldBe(DeliveryState.Delivered);
        delivery.Attempts.ShouldBe(1);
        delivery.LastError.ShouldBeNull();
        delivery.ErrorKind.ShouldBeNull();
        delivery.NextAttemptAt.ShouldBeNull();
        delivery.Bytes.ShouldBe(1234);
        delivery.LastDurationMs.ShouldBe(1500);
        delivery.CreatedAt.ShouldBe(T0);
        delivery.UpdatedAt.ShouldBe(done);
        delivery.DeliveredAt.ShouldBe(done);
        var stats = await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct);
        stats.Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn-a", 1, 0, 1234)]);
        (await Store.CompleteAsync(Delivered(claim, done + TimeSpan.FromSeconds(1)), Ct)).ShouldBeFalse("a lease ends with its outcome");
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBe(stats.Attempts);
    }

    [Fact]
    public async Task A_completion_records_the_files_it_carries_only_when_accepted_and_a_claim_says_whether_its_delivery_has_files_or_sent_bytes()
    {
        var claim = await OneAsync("movie-42");
        claim.HasFiles.ShouldBeFalse("no file recorded yet");
        claim.Bytes.ShouldBe(1004, "the rendition's size as submitted");
        claim.NothingSent.ShouldBeTrue("no attempt recorded yet");
        (await Store.CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1), token: Guid.NewGuid()) with { Files = [new("movie-42/720p/x.ts", 1, "xx")] }, Ct))
            .ShouldBeFalse("not under the claim's lease");
        (await Store.GetDeliveryFilesAsync(claim.Id, Ct)).ShouldBeEmpty("a refused completion records nothing");

        (await Store.RecordFilesAsync(claim.Id, claim.LeaseToken, [new("movie-42/720p/a.ts", 10, "aa")], Ct)).ShouldBeTrue();
        await CompleteAsync(Queued(claim, T0 + TimeSpan.FromSeconds(2), T0 + TimeSpan.FromSeconds(3)));
        var again = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(3))).ShouldHaveSingleItem();
        again.HasFiles.ShouldBeTrue("an earlier attempt recorded a file");
        again.NothingSent.ShouldBeFalse("the failed attempt sent 100 bytes");

        var files = new DeliveredFile[] { new("movie-42/720p/a.ts", 11, "a1"), new("movie-42/720p/b.ts", 20, null), new("movie-42/720p/master.m3u8", 5, "mm") };
        await CompleteAsync(Delivered(again, T0 + TimeSpan.FromSeconds(4)) with { Files = files });
        (await DeliveryAsync(again.Id)).State.ShouldBe(DeliveryState.Delivered);
        (await Store.GetDeliveryFilesAsync(again.Id, Ct)).ShouldBe(files, "recorded with the outcome; the newest record of a key wins");
    }

    [Fact]
    public async Task Completing_as_queued_records_the_error_the_due_time_and_the_failed_attempt()
    {
        var claim = await OneAsync("movie-42");
        var failedAt = T0 + TimeSpan.FromSeconds(4);

        await CompleteAsync(Queued(claim, failedAt, failedAt + TimeSpan.FromSeconds(30)));

        var delivery = await DeliveryAsync(claim.Id);
        delivery.State.ShouldBe(DeliveryState.Queued);
        delivery.Attempts.ShouldBe(1);
        delivery.LastError.ShouldBe("503 Service Unavailable");
        delivery.ErrorKind.ShouldBe("http_503");
        delivery.NextAttemptAt.ShouldBe(failedAt + TimeSpan.FromSeconds(30));
        delivery.DeliveredAt.ShouldBeNull();
        delivery.UpdatedAt.ShouldBe(failedAt);
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn-a", 0, 1, 10)]);
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull();
        (await EventsAsync()).ShouldBeEmpty("a queued delivery raises no event");
    }

    [Fact]
    public async Task Releasing_work_unattempted_does_not_count_an_attempt()
    {
        var claim = await OneAsync("movie-42");
        var release = DeliveryCompletion.Deferred(claim, T0 + TimeSpan.FromMinutes(5), "target cdn-a is down", "target_down", T0 + TimeSpan.FromSeconds(1));

        await CompleteAsync(release);

        var delivery = await DeliveryAsync(claim.Id);
        delivery.State.ShouldBe(DeliveryState.Queued);
        delivery.Attempts.ShouldBe(0);
        delivery.ErrorKind.ShouldBe("target_down");
        delivery.NextAttemptAt.ShouldBe(T0 + TimeSpan.FromMinutes(5));
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBeEmpty();
        (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(5))).ShouldHaveSingleItem().Attempts.ShouldBe(0);
    }

    [Fact]
    public async Task Completing_as_dead_records_the_reason_and_writes_delivery_dead_and_video_failed()
    {
        var result = await SubmitAsync("movie-42", ["720p"], ["cdn-a", "cdn-b"]);
        var claim = result.Claimed.Single(c => c.Target == "cdn-a");
        var diedAt = T0 + TimeSpan.FromSeconds(3);

        await CompleteAsync(Dead(claim, diedAt, "403 Forbidden", "http_403"));

        var delivery = await DeliveryAsync(claim.Id);
        delivery.State.ShouldBe(DeliveryState.Dead);
        delivery.Attempts.ShouldBe(1);
        delivery.LastError.ShouldBe("403 Forbidden");
        delivery.ErrorKind.ShouldBe("http_403");
        delivery.NextAttemptAt.ShouldBeNull();
        delivery.DeliveredAt.ShouldBeNull();
        var events = await EventsAsync();
        events.Select(e => (e.Type, e.VideoId, e.Version, e.DeliveryId, e.CreatedAt)).ShouldBe(
        [
            (EventTypes.DeliveryDead, "movie-42", 1, (Guid?)claim.Id, diedAt),
            (EventTypes.VideoFailed, "movie-42", 1, null, diedAt),
        ]);
        events[1].Id.ShouldBeGreaterThan(events[0].Id);
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn-a", 0, 1, 0)]);
    }

    [Fact]
    public async Task Video_failed_is_written_once_per_version()
    {
        var result = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-a"]);
        await CompleteAsync(Dead(result.Claimed[0], T0 + TimeSpan.FromSeconds(1)));
        await CompleteAsync(Dead(result.Claimed[1], T0 + TimeSpan.FromSeconds(2)));
        await Store.RequeueAsync(new RequeueRequest([result.Claimed[0].Id], null, null, T0 + TimeSpan.FromMinutes(1)), Ct);
        var again = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(1))).ShouldHaveSingleItem();
        await CompleteAsync(Dead(again, T0 + TimeSpan.FromMinutes(2), mode: AttemptMode.Manual));
        var next = await SubmitAsync("movie-42", ["360p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(3));
        await CompleteAsync(Dead(next.Claimed[0], T0 + TimeSpan.FromMinutes(4)));

        var events = await EventsAsync();

        events.Count(e => e.Type == EventTypes.DeliveryDead).ShouldBe(4);
        events.Where(e => e.Type == EventTypes.VideoFailed).Select(e => (e.Version, e.CreatedAt)).ShouldBe([(1, T0 + TimeSpan.FromSeconds(1)), (2, T0 + TimeSpan.FromMinutes(4))]);
    }

    [Fact]
    public async Task Video_distributed_time_and_event_are_written_when_its_last_delivery_is_delivered()
    {
        var result = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-a"]);
        await CompleteAsync(Delivered(result.Claimed[0], T0 + TimeSpan.FromSeconds(1)));
        await CompleteAsync(Queued(result.Claimed[1], T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromSeconds(30)));

        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull();
        (await EventsAsync()).ShouldBeEmpty();

        var retry = (await ClaimAllAsync(T0 + TimeSpan.FromSeconds(30))).ShouldHaveSingleItem();
        await CompleteAsync(Delivered(retry, T0 + TimeSpan.FromSeconds(40), AttemptMode.Async));

        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.DistributedAt.ShouldBe(T0 + TimeSpan.FromSeconds(40));
        video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        var distributed = (await EventsAsync()).ShouldHaveSingleItem();
        (distributed.Type, distributed.VideoId, distributed.Version, distributed.DeliveryId, distributed.CreatedAt)
            .ShouldBe((EventTypes.VideoDistributed, "movie-42", 1, (Guid?)null, T0 + TimeSpan.FromSeconds(40)));
        (await Store.GetStatisticsAsync(T0, Ct)).SecondsToDistributed.ShouldBe([40.0]);
    }

    [Fact]
    public async Task Outcomes_written_at_the_same_time_each_count_once_and_each_keeps_its_own_guard()
    {
        // Stores write outcomes that arrive together in one batch: the versions' counters and events must come out as they
        // would one by one, and a refused outcome must not take the others down with it.
        var whole = await SubmitAsync("movie-1", ["360p", "720p", "1080p"], ["cdn-a", "cdn-b"]);
        var failing = await SubmitAsync("movie-2", ["360p", "720p"], ["cdn-a", "cdn-b"]);
        var partial = await SubmitAsync("movie-3", ["360p", "720p"], ["cdn-a"]);
        var at = T0 + TimeSpan.FromSeconds(5);
        var stale = partial.Claimed[1];
        var outcomes = whole.Claimed.Select(c => Delivered(c, at, AttemptMode.Async) with { Files = [new($"{c.VideoId}/{c.Rendition}/{c.Target}.mp4", 1000, "ab")] })
            .Concat(failing.Claimed.Take(2).Select(c => Dead(c, at, mode: AttemptMode.Async)))
            .Concat(failing.Claimed.Skip(2).Select(c => Delivered(c, at, AttemptMode.Async)))
            .Append(Delivered(partial.Claimed[0], at, AttemptMode.Async))
            .Append(Delivered(stale, at, AttemptMode.Async, token: Guid.NewGuid()))
            .ToList();

        var accepted = await Task.WhenAll(outcomes.Select(o => Task.Run(() => Store.CompleteAsync(o, Ct), Ct)));

        accepted.ShouldBe(outcomes.Select(o => o.DeliveryId != stale.Id), "only the outcome under a stale token is refused");
        (await DeliveryAsync(stale.Id)).State.ShouldBe(DeliveryState.InFlight, "the refused outcome wrote nothing");
        (await Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(at);
        (await Store.GetVideoAsync("movie-2", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull();
        (await Store.GetVideoAsync("movie-3", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull("one of its two deliveries is still in flight");
        foreach (var claim in whole.Claimed)
        {
            (await Store.GetDeliveryFilesAsync(claim.Id, Ct)).ShouldBe([new DeliveredFile($"{claim.VideoId}/{claim.Rendition}/{claim.Target}.mp4", 1000, "ab")]);
        }

        var events = (await EventsAsync()).Select(e => (e.Type, e.VideoId, e.DeliveryId)).ToList();
        events.Count(e => e == (EventTypes.VideoDistributed, "movie-1", null)).ShouldBe(1, "movie-1 is distributed once");
        events.Where(e => e.Type == EventTypes.DeliveryDead).Select(e => e.DeliveryId).ShouldBe(failing.Claimed.Take(2).Select(c => (Guid?)c.Id), ignoreOrder: true);
        events.Count(e => e.Type == EventTypes.VideoFailed).ShouldBe(1, "movie-2 failed once, however many of its deliveries died together");
        events.IndexOf((EventTypes.VideoFailed, "movie-2", null)).ShouldBeGreaterThan(events.FindIndex(e => e.Type == EventTypes.DeliveryDead), "a version fails after its first delivery dies");
        events.Count.ShouldBe(4);
        var attempts = (await Store.GetStatisticsAsync(T0, Ct)).Attempts.Where(a => a.Mode == AttemptMode.Async).ToList();
        (attempts.Sum(a => a.Succeeded), attempts.Sum(a => a.Failed)).ShouldBe((6 + 2 + 1, 2), "one attempt per accepted outcome");

        var retry = await Store.ClaimDueAsync("node-a", 10, at, [], Ct);
        retry.ShouldBeEmpty("nothing was queued");
        (await Store.CompleteAsync(Delivered(stale, at + TimeSpan.FromSeconds(1), AttemptMode.Async), Ct)).ShouldBeTrue("its own lease still holds");
        (await Store.GetVideoAsync("movie-3", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(at + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_stale_lease_token_is_refused_and_writes_nothing()
    {
        var result = await SubmitAsync("movie-42", ["720p"], ["cdn-a"]);
        var claim = result.Claimed[0];
        var before = await DeliveryAsync(claim.Id);
        var stale = Guid.NewGuid();

        (await Store.CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1), token: stale), Ct)).ShouldBeFalse();
        (await Store.CompleteAsync(Dead(claim, T0 + TimeSpan.FromSeconds(1), token: stale), Ct)).ShouldBeFalse();
        (await Store.CompleteAsync(Queued(claim, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromMinutes(1), token: stale), Ct)).ShouldBeFalse();
        (await Store.CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)) with { DeliveryId = Guid.NewGuid() }, Ct)).ShouldBeFalse("no such delivery");

        (await DeliveryAsync(claim.Id)).ShouldBe(before);
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull();
        (await EventsAsync()).ShouldBeEmpty();
        var stats = await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct);
        stats.Attempts.ShouldBeEmpty();
        stats.RecentAttempts.ShouldBeEmpty();

        await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(2)));
        (await DeliveryAsync(claim.Id)).State.ShouldBe(DeliveryState.Delivered);
    }

    [Fact]
    public async Task A_completion_after_another_node_took_the_delivery_over_is_refused()
    {
        var lost = await OneAsync("movie-42", node: "node-a", at: T0);
        await Store.HeartbeatAsync("node-b", T0 + TimeSpan.FromMinutes(2), Ct);
        (await Store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromMinutes(2), Ct)).ShouldBe(1);
        var taken = (await ClaimAllAsync(T0 + TimeSpan.FromMinutes(2), "node-b")).ShouldHaveSingleItem();
        taken.Id.ShouldBe(lost.Id);
        taken.LeaseToken.ShouldNotBe(lost.LeaseToken);

        (await Store.CompleteAsync(Dead(lost, T0 + TimeSpan.FromMinutes(3)), Ct)).ShouldBeFalse("node-a lost its lease");

        var delivery = await DeliveryAsync(lost.Id);
        delivery.State.ShouldBe(DeliveryState.InFlight);
        delivery.Attempts.ShouldBe(0);
        (await EventsAsync()).ShouldBeEmpty();
        (await Store.GetStatisticsAsync(T0 - TimeSpan.FromHours(1), Ct)).Attempts.ShouldBeEmpty();

        await CompleteAsync(Delivered(taken, T0 + TimeSpan.FromMinutes(4), AttemptMode.Async));
        (await DeliveryAsync(lost.Id)).State.ShouldBe(DeliveryState.Delivered);
        (await Store.CompleteAsync(Delivered(lost, T0 + TimeSpan.FromMinutes(5)), Ct)).ShouldBeFalse();
    }
}
