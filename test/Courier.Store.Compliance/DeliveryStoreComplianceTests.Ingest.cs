using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>What ingest needs of a store: renditions that join one version as each is transcoded, and one <c>video.available</c> per target.</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task Renditions_submitted_one_by_one_under_one_fingerprint_join_one_version()
    {
        var first = await SubmitAsync("movie-42", ["360p"], ["cdn-north", "cdn-south"], fingerprint: "ingest:1");
        await CompleteAsync(Delivered(first.Claimed.Single(c => c.Target == "cdn-north"), T0 + TimeSpan.FromSeconds(1)));
        await CompleteAsync(Queued(first.Claimed.Single(c => c.Target == "cdn-south"), T0 + TimeSpan.FromSeconds(1), T0));

        var second = await SubmitAsync("movie-42", ["720p"], ["cdn-north", "cdn-south"], fingerprint: "ingest:1", at: T0 + TimeSpan.FromSeconds(2));
        var third = await SubmitAsync("movie-42", ["1080p"], ["cdn-north", "cdn-south"], fingerprint: "ingest:1", at: T0 + TimeSpan.FromSeconds(3));

        first.IsNewVersion.ShouldBeTrue();
        second.Version.ShouldBe(first.Version);
        second.IsNewVersion.ShouldBeFalse();
        third.Version.ShouldBe(first.Version);
        second.Claimed.Select(c => $"{c.Rendition}>{c.Target}").Order().ToList().ShouldBe(["720p>cdn-north", "720p>cdn-south"], customMessage: "only the new rendition's deliveries are claimed, not the queued 360p: its retry is the scanner's");
        third.Claimed.Select(c => c.Rendition).Distinct().ShouldBe(["1080p"]);
        var video = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        video.Version.ShouldBe(1);
        video.Renditions.Select(r => r.Name).Order().ShouldBe(["1080p", "360p", "720p"]);
        video.Deliveries.Count.ShouldBe(6);
        video.Deliveries.Single(d => d.Rendition == "360p" && d.Target == "cdn-north").State.ShouldBe(DeliveryState.Delivered);
        video.Deliveries.Single(d => d.Rendition == "360p" && d.Target == "cdn-south").State.ShouldBe(DeliveryState.Queued);
        video.DistributedAt.ShouldBeNull("the version is not everywhere while later renditions are pushed");
    }

    [Fact]
    public async Task Video_available_is_written_once_per_version_and_target()
    {
        var result = await SubmitAsync("movie-42", ["360p", "720p"], ["cdn-north", "cdn-south"]);
        var north = result.Claimed.Where(c => c.Target == "cdn-north").ToList();
        var south = result.Claimed.First(c => c.Target == "cdn-south");

        (await Store.AddAvailableAsync(north[0].Id, T0 + TimeSpan.FromSeconds(5), Ct)).ShouldBeTrue();
        (await Store.AddAvailableAsync(north[1].Id, T0 + TimeSpan.FromSeconds(6), Ct)).ShouldBeFalse("cdn-north already has it, through another rendition's delivery");
        (await Store.AddAvailableAsync(north[0].Id, T0 + TimeSpan.FromSeconds(7), Ct)).ShouldBeFalse();
        (await Store.AddAvailableAsync(south.Id, T0 + TimeSpan.FromSeconds(8), Ct)).ShouldBeTrue();
        (await Store.AddAvailableAsync(Guid.NewGuid(), T0, Ct)).ShouldBeFalse("no such delivery");

        var available = (await EventsAsync()).Where(e => e.Type == EventTypes.VideoAvailable).ToList();
        available.Select(e => e.DeliveryId).ShouldBe([north[0].Id, south.Id]);
        available.Select(e => e.CreatedAt).ShouldBe([T0 + TimeSpan.FromSeconds(5), T0 + TimeSpan.FromSeconds(8)]);
        available.ShouldAllBe(e => e.VideoId == "movie-42" && e.Version == 1);
    }

    [Fact]
    public async Task Concurrent_video_available_for_one_target_writes_one_event()
    {
        var result = await SubmitAsync("movie-42", ["240p", "360p", "480p", "720p", "1080p"], ["cdn-north"]);

        var written = await Task.WhenAll(result.Claimed.Select(c => Task.Run(() => Store.AddAvailableAsync(c.Id, T0, Ct), Ct)));

        written.Count(w => w).ShouldBe(1);
        (await EventsAsync()).Count(e => e.Type == EventTypes.VideoAvailable).ShouldBe(1);
    }

    [Fact]
    public async Task Video_available_stays_once_per_target_after_its_event_is_pruned()
    {
        var result = await SubmitAsync("movie-42", ["360p"], ["cdn-north"]);
        (await Store.AddAvailableAsync(result.Claimed[0].Id, T0, Ct)).ShouldBeTrue();
        await Store.PruneAsync(T0 + TimeSpan.FromDays(60), Ct);
        (await EventsAsync()).ShouldNotContain(e => e.Type == EventTypes.VideoAvailable, "the outbox was pruned");

        (await Store.AddAvailableAsync(result.Claimed[0].Id, T0 + TimeSpan.FromDays(61), Ct)).ShouldBeFalse("the video was announced at cdn-north already");

        (await EventsAsync()).ShouldNotContain(e => e.Type == EventTypes.VideoAvailable);
    }

    [Fact]
    public async Task Pending_available_pages_through_unsettled_ingested_versions_with_the_targets_where_each_is_available()
    {
        foreach (var videoId in new[] { "movie-c", "movie-a", "movie-b" })
        {
            await Store.SubmitAsync(Video(videoId, "ingest:1", ["360p"], ["cdn-north", "cdn-south"]) with { IngestStartedAt = T0 }, "node-a", T0, Ct);
        }

        await SubmitAsync("movie-d", ["360p"], ["cdn-north"]); // not ingested: never pending
        var a = (await Store.GetVideoAsync("movie-a", Ct)).ShouldNotBeNull();
        await Store.AddAvailableAsync(a.Deliveries.Single(d => d.Target == "cdn-south").Id, T0, Ct);

        var first = await Store.ListPendingAvailableAsync(null, 0, 2, Ct);
        var second = await Store.ListPendingAvailableAsync(first[^1].VideoId, first[^1].Version, 2, Ct);

        first.Select(p => $"{p.VideoId} v{p.Version}").ShouldBe(["movie-a v1", "movie-b v1"]);
        first[0].AvailableAt.ShouldBe(["cdn-south"]);
        first[1].AvailableAt.ShouldBeEmpty();
        second.Select(p => p.VideoId).ShouldBe(["movie-c"]);

        (await Store.SettleAvailableAsync("movie-b", 1, T0, Ct)).ShouldBeTrue();
        (await Store.SettleAvailableAsync("movie-b", 1, T0, Ct)).ShouldBeFalse("settled already");
        (await Store.SettleAvailableAsync("movie-x", 1, T0, Ct)).ShouldBeFalse("no such version");
        (await Store.ListPendingAvailableAsync(null, 0, 10, Ct)).Select(p => p.VideoId).ShouldBe(["movie-a", "movie-c"]);
    }
}
