using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>
/// Publishing rules: a target's renditions (no delivery of a rendition it does not take), and licence windows (deliveries
/// <c>scheduled</c> until the window opens, out of the failure queue and the deadlines; the videos whose window closed).
/// </summary>
public abstract partial class DeliveryStoreComplianceTests
{
    private static readonly DateTimeOffset Opens = T0 + TimeSpan.FromHours(1);

    [Fact]
    public async Task A_target_gets_no_delivery_of_a_rendition_it_does_not_take()
    {
        var video = Video("movie-42", "content-1", ["360p", "720p", "1080p"], ["archive", "mobile"]) with
        {
            TargetRenditions = new Dictionary<string, IReadOnlyCollection<string>> { ["archive"] = ["1080p"], ["mobile"] = ["360p", "720p", "4k"] },
        };

        var result = await Store.SubmitAsync(video, "node-a", T0, Ct);

        result.Claimed.Select(c => $"{c.Rendition}>{c.Target}").Order(StringComparer.Ordinal).ShouldBe(["1080p>archive", "360p>mobile", "720p>mobile"]);
        var stored = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        stored.Deliveries.Select(d => $"{d.Rendition}>{d.Target}").Order(StringComparer.Ordinal).ShouldBe(["1080p>archive", "360p>mobile", "720p>mobile"]);
        stored.Renditions.Select(r => r.Name).Order(StringComparer.Ordinal).ShouldBe(["1080p", "360p", "720p"]); // the version has every rendition; only the deliveries are filtered
    }

    [Fact]
    public async Task Deliveries_of_a_window_not_open_yet_are_scheduled_unclaimed_out_of_the_queue_and_the_deadlines()
    {
        var video = Video("movie-42", "content-1", ["360p", "720p"], ["cdn-a"]) with { AvailableFrom = Opens };

        var result = await Store.SubmitAsync(video, "node-a", T0, Ct);

        result.IsNewVersion.ShouldBeTrue();
        result.Claimed.ShouldBeEmpty("nothing is pushed before the window opens");
        var stored = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        stored.Deliveries.Count.ShouldBe(2);
        stored.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Scheduled && d.NextAttemptAt == Opens && d.Attempts == 0);
        (await Store.ClaimDueAsync("node-b", 10, Opens + TimeSpan.FromHours(1), [], Ct)).ShouldBeEmpty("the due path never claims a scheduled delivery");
        (await Store.GetQueueAsync(new QueueQuery(), Ct)).Total.ShouldBe(0);
        (await Store.MarkDeadlineMissedAsync(T0 + TimeSpan.FromMinutes(30), T0 + TimeSpan.FromMinutes(30), 10, Ct)).ShouldBeEmpty("waiting for a window is not late");
        var states = (await Store.GetStatisticsAsync(T0 - TimeSpan.FromDays(1), Ct)).Deliveries;
        states.ShouldBe([new StateTally("cdn-a", DeliveryState.Scheduled, 2)]);
    }

    [Fact]
    public async Task Opening_a_window_queues_its_deliveries_due_at_once_and_the_due_path_claims_them()
    {
        await Store.SubmitAsync(Video("movie-42", "content-1", ["360p", "720p"], ["cdn-a"]) with { AvailableFrom = Opens }, "node-a", T0, Ct);
        await Store.SubmitAsync(Video("movie-43", "content-1", ["360p"], ["cdn-a"]) with { AvailableFrom = Opens + TimeSpan.FromHours(1) }, "node-a", T0, Ct);

        var early = await Store.OpenScheduledAsync(Opens - TimeSpan.FromMilliseconds(1), Ct);
        var opened = await Store.OpenScheduledAsync(Opens, Ct);
        var again = await Store.OpenScheduledAsync(Opens, Ct);

        early.ShouldBe(0);
        opened.ShouldBe(2);
        again.ShouldBe(0);
        var stored = (await Store.GetVideoAsync("movie-42", Ct)).ShouldNotBeNull();
        stored.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued && d.NextAttemptAt == Opens);
        (await Store.GetVideoAsync("movie-43", Ct)).ShouldNotBeNull().Deliveries.ShouldAllBe(d => d.State == DeliveryState.Scheduled);
        var claimed = await Store.ClaimDueAsync("node-b", 10, Opens, [], Ct);
        claimed.Select(c => c.VideoId).ShouldBe(["movie-42", "movie-42"]);
        (await Store.MarkDeadlineMissedAsync(T0 + TimeSpan.FromMinutes(30), Opens, 10, Ct)).ShouldBeEmpty("the deadline counts from the window's opening");
    }

    [Fact]
    public async Task A_window_opening_at_or_before_the_submission_queues_at_once()
    {
        var result = await Store.SubmitAsync(Video("movie-42", "content-1", ["360p"], ["cdn-a"]) with { AvailableFrom = T0 }, "node-a", T0, Ct);

        result.Claimed.ShouldHaveSingleItem().Rendition.ShouldBe("360p");
    }

    [Fact]
    public async Task A_newer_version_supersedes_scheduled_deliveries_of_an_older_one()
    {
        await Store.SubmitAsync(Video("movie-42", "content-1", ["360p"], ["cdn-a"]) with { AvailableFrom = Opens }, "node-a", T0, Ct);

        var second = await SubmitAsync("movie-42", ["360p"], ["cdn-a"], fingerprint: "content-2", at: T0 + TimeSpan.FromMinutes(1));

        second.Version.ShouldBe(2);
        second.Claimed.ShouldHaveSingleItem();
        var older = (await Store.GetVideoVersionAsync("movie-42", 1, Ct)).ShouldNotBeNull();
        older.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Superseded);
        (await Store.OpenScheduledAsync(Opens, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task A_closed_window_names_its_video_until_the_removal_is_committed()
    {
        var closes = T0 + TimeSpan.FromHours(2);
        var result = await Store.SubmitAsync(Video("movie-42", "content-1", ["360p"], ["cdn-a", "cdn-b"]) with { AvailableUntil = closes }, "node-a", T0, Ct);
        foreach (var claim in result.Claimed)
        {
            await CompleteAsync(Delivered(claim, T0 + TimeSpan.FromSeconds(1)));
        }

        await SubmitAsync("movie-43", ["360p"], ["cdn-a"]);

        (await Store.ClosedWindowsAsync(closes - TimeSpan.FromMilliseconds(1), 10, Ct)).ShouldBeEmpty();
        (await Store.ClosedWindowsAsync(closes, 10, Ct)).ShouldBe(["movie-42"]);
        (await Store.ClosedWindowsAsync(closes, 0, Ct)).ShouldBeEmpty("the limit holds");

        var removal = (await Store.RemoveAsync("movie-42", ["cdn-a", "cdn-b"], "node-a", closes, Ct)).ShouldNotBeNull();

        removal.Version.ShouldBe(2);
        (await Store.ClosedWindowsAsync(closes + TimeSpan.FromHours(1), 10, Ct)).ShouldBeEmpty("the removal is committed once: the newest version is the removal");
    }
}
