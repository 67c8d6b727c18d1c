using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Delivered_deliveries_are_listed_by_target_and_video_in_stable_pages_unclaimed()
    {
        var delivered = new List<ClaimedDelivery>();
        foreach (var (video, target) in new[] { ("movie-1", "cdn-a"), ("movie-2", "cdn-a"), ("movie-3", "cdn-b") })
        {
            var claim = await OneAsync(video, target);
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
            delivered.Add(claim);
        }

        await QueueAsync("movie-4", [3600], "cdn-a");
        await DeadAsync("movie-5", "cdn-a");
        await OneAsync("movie-6", "cdn-a");

        var all = await Store.ListDeliveredAsync(null, null, 0, 100, Ct);
        all.Select(d => d.Id).ShouldBe(delivered.Select(d => d.Id).Order());
        all.ShouldAllBe(d => d.LeaseToken == Guid.Empty);
        var first = all.Single(d => d.Id == delivered[0].Id);
        (first.VideoId, first.Rendition, first.Target, first.SourcePath, first.Kind).ShouldBe(("movie-1", "720p", "cdn-a", "movie-1/720p.mp4", RenditionKind.File));

        var pages = (await Store.ListDeliveredAsync(null, null, 0, 2, Ct)).Concat(await Store.ListDeliveredAsync(null, null, 2, 2, Ct));
        pages.Select(d => d.Id).ShouldBe(all.Select(d => d.Id));
        (await Store.ListDeliveredAsync("cdn-a", null, 0, 100, Ct)).Select(d => d.VideoId).Order().ShouldBe(["movie-1", "movie-2"]);
        (await Store.ListDeliveredAsync("cdn-a", "movie-2", 0, 100, Ct)).ShouldHaveSingleItem().Id.ShouldBe(delivered[1].Id);
        (await Store.ListDeliveredAsync(null, "movie-3", 0, 100, Ct)).ShouldHaveSingleItem().Target.ShouldBe("cdn-b");
    }

    [Fact]
    public async Task A_reopened_delivery_is_queued_due_now_and_its_video_is_distributed_again_only_when_redelivered()
    {
        var result = await SubmitAsync("movie-1", ["720p", "1080p"], ["cdn-a"]);
        foreach (var claim in result.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        (await Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(T0 + TimeSpan.FromSeconds(1));
        var drifted = result.Claimed[0];
        var now = T0 + TimeSpan.FromHours(1);

        (await Store.ReopenDeliveredAsync(drifted.Id, "movie-1/720p/720p.mp4 is missing at cdn-a", ErrorKinds.Drifted, now, Ct)).ShouldBeTrue();

        var reopened = await DeliveryAsync(drifted.Id);
        reopened.State.ShouldBe(DeliveryState.Queued);
        reopened.NextAttemptAt.ShouldBe(now);
        reopened.Attempts.ShouldBe(0);
        reopened.ErrorKind.ShouldBe("drifted");
        reopened.LastError.ShouldBe("movie-1/720p/720p.mp4 is missing at cdn-a");
        (await Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().DistributedAt.ShouldBeNull("it is no longer everywhere");
        (await Store.ReopenDeliveredAsync(drifted.Id, "again", ErrorKinds.Drifted, now, Ct)).ShouldBeFalse("it is not delivered any more");

        var retry = (await ClaimAllAsync(now)).ShouldHaveSingleItem();
        retry.Id.ShouldBe(drifted.Id);
        await CompleteAsync(Delivered(retry, now + TimeSpan.FromSeconds(5), AttemptMode.Async));

        (await Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(now + TimeSpan.FromSeconds(5));
        (await EventsAsync()).Count(e => e.Type == EventTypes.VideoDistributed).ShouldBe(2, "distributed once, and again after the repair");
    }

    [Fact]
    public async Task A_reopened_delivery_counts_its_deadline_from_the_reopen_and_forgets_the_files_it_recorded()
    {
        var claim = await OneAsync("movie-1", "cdn-a");
        var file = new DeliveredFile("movie-1/720p/720p.mp4", 5, null);
        (await Store.RecordFilesAsync(claim.Id, claim.LeaseToken, [file], Ct)).ShouldBeTrue();
        (await Store.GetDeliveryFilesAsync(claim.Id, Ct)).ShouldBe([file]);
        await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        var reopenedAt = T0 + TimeSpan.FromHours(1);

        (await Store.ReopenDeliveredAsync(claim.Id, "movie-1/720p/720p.mp4 is missing at cdn-a", ErrorKinds.Drifted, reopenedAt, Ct)).ShouldBeTrue();

        // Submitted an hour before, but reopened just now: not late until 15 minutes after the reopen.
        var soon = reopenedAt + TimeSpan.FromMinutes(5);
        (await Store.MarkDeadlineMissedAsync(soon - TimeSpan.FromMinutes(15), soon, 100, Ct)).ShouldBeEmpty("the deadline counts from the reopen");
        var late = reopenedAt + TimeSpan.FromMinutes(20);
        (await Store.MarkDeadlineMissedAsync(late - TimeSpan.FromMinutes(15), late, 100, Ct)).ShouldHaveSingleItem().Id.ShouldBe(claim.Id);
        (await Store.GetDeliveryFilesAsync(claim.Id, Ct)).ShouldBeEmpty("what the drifted delivery recorded proves nothing now: its next push checks every file");
    }

    [Fact]
    public async Task The_files_a_delivery_recorded_are_listed_for_that_delivery_only()
    {
        var result = await SubmitAsync("movie-1", ["720p", "1080p"], ["cdn-a"]);
        var first = result.Claimed[0];
        var files = new[] { new DeliveredFile($"movie-1/{first.Rendition}/a.ts", 3, "ab"), new DeliveredFile($"movie-1/{first.Rendition}/b.ts", 4, null) };
        (await Store.RecordFilesAsync(first.Id, first.LeaseToken, files, Ct)).ShouldBeTrue();

        (await Store.GetDeliveryFilesAsync(first.Id, Ct)).ShouldBe(files);
        (await Store.GetDeliveryFilesAsync(result.Claimed[1].Id, Ct)).ShouldBeEmpty();
        (await Store.GetDeliveryFilesAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Only_delivered_deliveries_can_be_reopened()
    {
        var queued = await QueueAsync("movie-1", [3600]);
        var dead = await DeadAsync("movie-2");
        var inFlight = await OneAsync("movie-3");
        var now = T0 + TimeSpan.FromMinutes(5);

        foreach (var id in new[] { queued[0], dead, inFlight.Id, Guid.NewGuid() })
        {
            (await Store.ReopenDeliveredAsync(id, "missing", ErrorKinds.Drifted, now, Ct)).ShouldBeFalse();
        }

        (await DeliveryAsync(queued[0])).NextAttemptAt.ShouldBe(T0 + TimeSpan.FromHours(1));
        (await DeliveryAsync(dead)).State.ShouldBe(DeliveryState.Dead);
        (await Store.CompleteAsync(Delivered(inFlight, now), Ct)).ShouldBeTrue("the lease is untouched");
    }
}
