using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Submit_commits_the_version_renditions_and_deliveries_and_claims_them()
    {
        var result = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"]);

        result.Version.ShouldBe(1);
        result.IsNewVersion.ShouldBeTrue();
        result.Claimed.Count.ShouldBe(4);
        result.Claimed.Select(c => (c.Rendition, c.Target)).Order().ShouldBe([("360p", "cdn-north"), ("360p", "cdn-south"), ("720p", "cdn-north"), ("720p", "cdn-south")]);
        result.Claimed.Select(c => c.LeaseToken).Distinct().Count().ShouldBe(4, "every claim carries its own lease token");
        result.Claimed.ShouldAllBe(c => c.LeaseToken != Guid.Empty && c.Id != Guid.Empty);
        var claim = result.Claimed.Single(c => c.Rendition == "720p" && c.Target == "cdn-south");
        claim.VideoId.ShouldBe("movie-42");
        claim.Version.ShouldBe(1);
        claim.SourcePath.ShouldBe("movie-42/720p.mp4");
        claim.Kind.ShouldBe(RenditionKind.File);
        claim.Fingerprint.ShouldBe("content-1:720p");
        claim.Attempts.ShouldBe(0);
        claim.CreatedAt.ShouldBe(T0);
        claim.Resubmitted.ShouldBeFalse();

        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Version.ShouldBe(1);
        video.SubmittedAt.ShouldBe(T0);
        video.DistributedAt.ShouldBeNull();
        video.Renditions.OrderBy(r => r.Name, StringComparer.Ordinal).ShouldBe(
        [
            new RenditionRecord("360p", "movie-42/360p.mp4", RenditionKind.File, 1004, 1),
            new RenditionRecord("720p", "movie-42/720p.mp4", RenditionKind.File, 1004, 1),
        ]);
        video.Deliveries.Select(d => d.Id).Order().ShouldBe(result.Claimed.Select(c => c.Id).Order());
        video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.InFlight && d.Attempts == 0 && d.VideoId == "movie-42" && d.Version == 1);
        video.Deliveries.ShouldAllBe(d => d.CreatedAt == T0 && d.DeliveredAt == null && d.LastError == null);

        (await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull().Deliveries.Count.ShouldBe(4);
        (await Store.GetVideoVersionAsync("movie-42", 2, Ct)).ShouldBeNull();
        (await Store.GetVideoAsync("movie-7", Ct)).ShouldBeNull();
        (await ClaimAllAsync(T0 + TimeSpan.FromHours(1), "node-b")).ShouldBeEmpty("claimed deliveries are in flight, not in the failure queue");
    }

    [Fact]
    public async Task Submitting_the_same_content_twice_keeps_one_version_and_no_duplicate_deliveries()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"]);
        var second = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"], at: T0 + TimeSpan.FromSeconds(5));

        second.Version.ShouldBe(1);
        second.IsNewVersion.ShouldBeFalse();
        second.Claimed.ShouldBeEmpty("the first submission's deliveries are still in flight");
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Deliveries.Count.ShouldBe(4);
        video.Deliveries.Select(d => d.Id).Order().ShouldBe(first.Claimed.Select(c => c.Id).Order());
        video.SubmittedAt.ShouldBe(T0);
        (await Store.ListVideosAsync(10, Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Submitting_the_same_content_again_claims_its_queued_deliveries_but_not_delivered_or_dead_ones()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p", "1080p"], ["cdn-north"]);
        var queued = first.Claimed.Single(c => c.Rendition == "360p");
        var delivered = first.Claimed.Single(c => c.Rendition == "720p");
        var dead = first.Claimed.Single(c => c.Rendition == "1080p");
        await CompleteAsync(Queued(queued, T0 + TimeSpan.FromSeconds(1), T0 + TimeSpan.FromHours(1)));
        await CompleteAsync(Delivered(delivered, T0 + TimeSpan.FromSeconds(1)));
        await CompleteAsync(Dead(dead, T0 + TimeSpan.FromSeconds(1)));

        var again = await SubmitAsync("movie-42", ["360p", "720p", "1080p"], ["cdn-north"], node: "node-b", at: T0 + TimeSpan.FromMinutes(1));

        again.Version.ShouldBe(1);
        again.IsNewVersion.ShouldBeFalse();
        var claim = again.Claimed.ShouldHaveSingleItem();
        claim.Id.ShouldBe(queued.Id);
        claim.LeaseToken.ShouldNotBe(queued.LeaseToken, "a new claim gets a fresh lease token");
        claim.Attempts.ShouldBe(1);
        (await DeliveryAsync(queued.Id)).State.ShouldBe(DeliveryState.InFlight);
        (await DeliveryAsync(delivered.Id)).State.ShouldBe(DeliveryState.Delivered);
        (await DeliveryAsync(dead.Id)).State.ShouldBe(DeliveryState.Dead);
        (await Store.CompleteAsync(Delivered(queued, T0 + TimeSpan.FromMinutes(2)), Ct)).ShouldBeFalse("the old lease token no longer holds the delivery");
        await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task New_content_is_a_new_version_and_an_older_versions_content_again_is_a_newer_one()
    {
        var first = await SubmitAsync("movie-42", ["360p"], ["cdn-north", "cdn-south"], fingerprint: "content-1");
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        var second = await SubmitAsync("movie-42", ["360p"], ["cdn-north", "cdn-south"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1));

        second.Version.ShouldBe(2);
        second.IsNewVersion.ShouldBeTrue();
        second.Claimed.Count.ShouldBe(2);
        second.Claimed.Select(c => c.Id).Intersect(first.Claimed.Select(c => c.Id)).ShouldBeEmpty();
        second.Claimed.ShouldAllBe(c => c.Version == 2 && c.Fingerprint == "content-2:360p");
        var latest = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        latest.Version.ShouldBe(2);
        latest.SubmittedAt.ShouldBe(T0 + TimeSpan.FromMinutes(1));
        latest.Deliveries.Select(d => d.Id).Order().ShouldBe(second.Claimed.Select(c => c.Id).Order());
        var kept = (await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull();
        kept.Deliveries.Select(d => d.Id).Order().ShouldBe(first.Claimed.Select(c => c.Id).Order());
        kept.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered, "delivered work is history: a newer version does not supersede it");

        // A rollback: version 1's content again (restored with its old timestamps) is compared with the newest version only.
        var rollback = await SubmitAsync("movie-42", ["360p"], ["cdn-north", "cdn-south"], fingerprint: "content-1", at: T0 + TimeSpan.FromMinutes(2));
        rollback.Version.ShouldBe(3);
        rollback.IsNewVersion.ShouldBeTrue();
        rollback.Claimed.ShouldBeEmpty("version 2's pushes are still writing those keys");
        var superseded = (await Store.GetVideoVersionAsync("movie-42", 2, Ct)).ShouldNotBeNull().Deliveries;
        superseded.ShouldAllBe(d => d.State == DeliveryState.Superseded && d.ErrorKind == "superseded" && d.LastError == "superseded by version 3");
        var waiting = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        waiting.Version.ShouldBe(3);
        waiting.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued && d.LastError == "waiting for version 2's push to stop");

        var same = await SubmitAsync("movie-42", ["360p"], ["cdn-north", "cdn-south"], fingerprint: "content-1", at: T0 + TimeSpan.FromMinutes(3));
        same.Version.ShouldBe(3, "the newest content again is the same version");
        same.IsNewVersion.ShouldBeFalse();

        var other = await SubmitAsync("movie-43", ["360p"], ["cdn-north"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(3));
        other.Version.ShouldBe(1, "versions count per video");
        other.IsNewVersion.ShouldBeTrue();

        var listed = await Store.ListVideosAsync(10, Ct);
        listed.Select(v => (v.VideoId, v.Version)).ShouldBe([("movie-43", 1), ("movie-42", 3), ("movie-42", 2), ("movie-42", 1)], "newest submission first");
        listed[1].Deliveries.Count.ShouldBe(2);
        (await Store.ListVideosAsync(2, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Extra_targets_are_added_to_an_existing_version()
    {
        var first = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north"]);
        foreach (var claim in first.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(3)));
        }

        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(T0 + TimeSpan.FromSeconds(3));

        var wider = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"], at: T0 + TimeSpan.FromMinutes(1));

        wider.Version.ShouldBe(1);
        wider.IsNewVersion.ShouldBeFalse();
        wider.Claimed.Select(c => (c.Rendition, c.Target)).Order().ShouldBe([("360p", "cdn-south"), ("720p", "cdn-south")]);
        wider.Claimed.ShouldAllBe(c => c.CreatedAt == T0 + TimeSpan.FromMinutes(1));
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Deliveries.Count.ShouldBe(4);
        video.Deliveries.Where(d => d.Target == "cdn-north").ShouldAllBe(d => d.State == DeliveryState.Delivered);
        video.DistributedAt.ShouldBeNull("the version is not everywhere until the new target has it too");

        foreach (var claim in wider.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromMinutes(2)));
        }

        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(T0 + TimeSpan.FromMinutes(2));
        (await EventsAsync()).Count(e => e.Type == EventTypes.VideoDistributed).ShouldBe(2, "the media system hears that the version reached the new target too");
    }

    [Fact]
    public async Task Concurrent_submissions_of_the_same_content_make_one_version_and_claim_each_delivery_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(
            () => SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"], node: $"node-{n}", at: T0 + TimeSpan.FromMilliseconds(n)),
            Ct)));

        results.ShouldAllBe(r => r.Version == 1);
        results.Count(r => r.IsNewVersion).ShouldBe(1);
        var claimed = results.SelectMany(r => r.Claimed).ToList();
        claimed.Count.ShouldBe(4, "each delivery is claimed by exactly one submission");
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Deliveries.Select(d => d.Id).Order().ShouldBe(claimed.Select(c => c.Id).Order());
    }

    [Fact]
    public async Task Concurrent_submissions_of_different_content_get_distinct_versions_and_only_the_newest_stays_to_push()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(n => Task.Run(
            () => SubmitAsync("movie-42", ["360p"], ["cdn-north"], fingerprint: $"content-{n}", node: $"node-{n}"),
            Ct)));

        results.Select(r => r.Version).Order().ShouldBe([1, 2, 3, 4, 5, 6]);
        results.ShouldAllBe(r => r.IsNewVersion);
        var claim = results.SelectMany(r => r.Claimed).ShouldHaveSingleItem("version 1 is pushed; every later version finds it in flight");
        claim.Version.ShouldBe(1);
        for (var version = 1; version <= 5; version++)
        {
            (await Store.GetVideoVersionAsync("movie-42", version, Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Superseded);
        }

        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Queued);
        (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull().Version.ShouldBe(6);
    }
}
