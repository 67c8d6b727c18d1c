using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// Every fault of the proxy, between Courier and the real nginx WebDAV: each delivery ends delivered with the target's
/// bytes equal to the source, or dead with a reason naming the fault. A delivery is never <c>delivered</c> while the
/// bytes at the target differ (checked after every scan).
/// </summary>
public sealed class HttpTargetFaultTests : IAsyncLifetime
{
    private const string Video = "movie-42";
    private readonly string _prefix = $"rel-{Guid.NewGuid():N}";
    private global::Courier.Testing.Proxy.FaultProxy _proxy = null!;
    private CourierHarness _courier = null!;

    public async ValueTask InitializeAsync()
    {
        _proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.WebDavUrl);
        _courier = await StartCourierAsync(maxDelay: null);
    }

    /// <summary>Courier with the fast settings, the proxied target and the sources; <paramref name="maxDelay"/> overrides <c>Retry:MaxDelay</c>.</summary>
    private async Task<CourierHarness> StartCourierAsync(string? maxDelay)
    {
        var settings = CourierHarness.FastSettings();
        settings["Courier:Targets:cdn:Kind"] = "http";
        settings["Courier:Targets:cdn:Region"] = "north";
        settings["Courier:Targets:cdn:BaseUrl"] = new Uri(_proxy.Url, _prefix + "/").AbsoluteUri;
        if (maxDelay is not null)
        {
            settings["Courier:Retry:MaxDelay"] = maxDelay;
        }

        var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("movie-42/360p.mp4", 300_000, seed: 11);
        courier.WritePackage("movie-42/hls-1080p", 120_000, seed: 20);
        return courier;
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _courier.DisposeAsync();
        TestEnvironment.DeleteWebDavPrefix(_prefix);
    }

    private Task<Core.Reports.DistributionReport> DistributeAsync() =>
        _courier.DistributeAsync(Video, ("360p", "movie-42/360p.mp4"), ("1080p", "movie-42/hls-1080p"));

    private static readonly Dictionary<string, string[]> Files = new()
    {
        ["360p"] = ["360p.mp4"],
        ["1080p"] = ["seg_000.ts", "seg_001.ts", "seg_002.ts", "index.m3u8"],
    };

    private string SourceOf(string rendition, string file) =>
        rendition == "360p" ? Path.Combine(_courier.SourceRoot, "movie-42/360p.mp4") : Path.Combine(_courier.SourceRoot, "movie-42/hls-1080p", file);

    private string AtTarget(string rendition, string file) => Path.Combine(TestEnvironment.WebDavRoot, _prefix, Video, rendition, file);

    private bool TargetHoldsSource(string rendition) =>
        Files[rendition].All(f => File.Exists(AtTarget(rendition, f)) && File.ReadAllBytes(AtTarget(rendition, f)).AsSpan().SequenceEqual(File.ReadAllBytes(SourceOf(rendition, f))));

    /// <summary>The promise: delivered means the target holds exactly the source's bytes.</summary>
    private void DeliveredMeansBytesMatch(VideoRecord record)
    {
        foreach (var delivery in record.Deliveries.Where(d => d.State == DeliveryState.Delivered))
        {
            TargetHoldsSource(delivery.Rendition).ShouldBeTrue($"{delivery.Rendition} is recorded delivered but the target's bytes differ from the source");
        }
    }

    [Theory]
    [MemberData(nameof(Faults.All), MemberType = typeof(Faults))]
    public async Task A_fault_once_ends_delivered_with_identical_bytes_and_the_fault_on_record(string fault)
    {
        var rule = _proxy.Add(Faults.Rule(fault, once: true));

        var report = await DistributeAsync();

        rule.Fired.ShouldBe(1, $"the {fault} fault was injected");
        var failed = report.Results.Where(r => r.State != DeliveryState.Delivered).ToList();
        failed.Count.ShouldBe(1, "exactly the faulted delivery is not delivered by the synchronous path");
        failed[0].State.ShouldBe(DeliveryState.Queued);
        failed[0].ErrorKind.ShouldBeOneOf(Faults.Kinds(fault));
        if (Faults.ReasonMentions(fault) is { } mention)
        {
            failed[0].Error.ShouldNotBeNull().ShouldContain(mention);
        }

        DeliveredMeansBytesMatch((await _courier.Store.GetVideoAsync(Video, TestContext.Current.CancellationToken))!);
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30), DeliveredMeansBytesMatch);

        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        TargetHoldsSource("360p").ShouldBeTrue();
        TargetHoldsSource("1080p").ShouldBeTrue();
        var attempts = await _courier.AttemptsAsync(failed[0].DeliveryId);
        attempts.Count.ShouldBe(2);
        attempts[0].Succeeded.ShouldBeFalse();
        attempts[0].Kind.ShouldBeOneOf(Faults.Kinds(fault));
        attempts[1].Succeeded.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Faults.All), MemberType = typeof(Faults))]
    public async Task A_fault_that_never_clears_ends_dead_with_a_reason_naming_it_and_never_delivered(string fault)
    {
        _proxy.Add(Faults.Rule(fault, once: false));

        await DistributeAsync();
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(45), DeliveredMeansBytesMatch);

        foreach (var delivery in settled.Deliveries)
        {
            delivery.State.ShouldBe(DeliveryState.Dead, $"{delivery.Rendition}: {delivery.LastError}");
            delivery.Attempts.ShouldBe(4);
            delivery.ErrorKind.ShouldBeOneOf(Faults.Kinds(fault));
            delivery.LastError.ShouldNotBeNullOrWhiteSpace();
            if (Faults.ReasonMentions(fault) is { } mention)
            {
                delivery.LastError.ShouldContain(mention);
            }
        }

        var queue = await _courier.Store.GetQueueAsync(new QueueQuery(DeliveryState.Dead), TestContext.Current.CancellationToken);
        queue.Items.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Retry_after_from_the_target_is_honoured()
    {
        // Retry-After is honoured up to Retry:MaxDelay, which the fast settings keep far below 2 s.
        await _courier.DisposeAsync();
        _courier = await StartCourierAsync(maxDelay: "00:00:10");
        _proxy.Add(FaultRule.For(Fault.Status(503, retryAfterSeconds: 2)).OnMethod("PUT").OnPath("360p").Times(1));
        var before = DateTimeOffset.UtcNow;

        var report = await DistributeAsync();

        var queued = report.Video.Deliveries.Single(d => d.Rendition == "360p");
        queued.State.ShouldBe(DeliveryState.Queued);
        queued.NextAttemptAt.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(before + TimeSpan.FromSeconds(2));
        (await _courier.Scanner.RunOnceAsync(TestContext.Current.CancellationToken)).Claimed.ShouldBe(0, "not due before Retry-After has passed");
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(20), DeliveredMeansBytesMatch);
        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
    }

    [Fact]
    public async Task Retry_after_beyond_max_delay_is_capped_at_max_delay()
    {
        _proxy.Add(FaultRule.For(Fault.Status(503, retryAfterSeconds: int.MaxValue)).OnMethod("PUT").OnPath("360p").Times(1));

        var report = await DistributeAsync();
        var after = DateTimeOffset.UtcNow;

        var queued = report.Video.Deliveries.Single(d => d.Rendition == "360p");
        queued.State.ShouldBe(DeliveryState.Queued);
        queued.NextAttemptAt.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(after + TimeSpan.FromMilliseconds(200), "Retry:MaxDelay of the fast settings, not 68 years");
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(20), DeliveredMeansBytesMatch);
        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
    }

    [Fact]
    public async Task A_target_that_goes_fully_down_and_up_again_gets_everything_after_it_returns()
    {
        _proxy.GoDown();

        var report = await DistributeAsync();

        report.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued);
        report.Video.Deliveries.ShouldAllBe(d => d.ErrorKind == "connection" || d.ErrorKind == "target_down");
        File.Exists(AtTarget("360p", "360p.mp4")).ShouldBeFalse();
        (await _courier.Scanner.RunOnceAsync(TestContext.Current.CancellationToken)).Delivered.ShouldBe(0);
        _proxy.GoUp();
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30), DeliveredMeansBytesMatch);

        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        TargetHoldsSource("360p").ShouldBeTrue();
        TargetHoldsSource("1080p").ShouldBeTrue();
    }
}
