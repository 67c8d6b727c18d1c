using System.Collections.Concurrent;
using System.Diagnostics;
using Courier.Client;
using Courier.Core.Diagnostics;

namespace Courier.Server.Tests;

/// <summary>The spans of the ActivitySource "Courier", collected in-process: their parent/child shape and their tags.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task A_sync_delivery_is_a_submission_span_over_one_delivery_span_per_target_over_one_push_span_per_file()
    {
        using var spans = new Spans();
        await using var host = CourierHost.Create();
        host.WriteSource("tr1/360p.mp4", 10_000);
        var client = new CourierClient(host.CreateClient());

        var report = await client.SubmitAsync(new VideoSubmission("tr1", [new RenditionSource("360p", "tr1/360p.mp4")], [host.TargetA, host.TargetB]), Ct);

        report.State.ShouldBe("distributed");
        var submission = spans.Where(s => s.OperationName == "courier.submission" && Tag(s, "courier.video_id") == "tr1").ShouldHaveSingleItem();
        Tag(submission, "courier.outcome").ShouldBe("distributed");
        var deliveries = spans.Where(s => s.ParentSpanId == submission.SpanId).ToList();
        deliveries.Select(d => d.OperationName).ShouldBe(["courier.delivery", "courier.delivery"]);
        deliveries.Select(d => Tag(d, "courier.target")).ShouldBe([host.TargetA, host.TargetB], ignoreOrder: true);
        foreach (var delivery in deliveries)
        {
            delivery.TraceId.ShouldBe(submission.TraceId);
            Tag(delivery, "courier.video_id").ShouldBe("tr1");
            Tag(delivery, "courier.rendition").ShouldBe("360p");
            Tag(delivery, "courier.attempt").ShouldBe("1");
            Tag(delivery, "courier.mode").ShouldBe("sync");
            Tag(delivery, "courier.outcome").ShouldBe("delivered");
            var push = spans.Where(s => s.ParentSpanId == delivery.SpanId).ShouldHaveSingleItem();
            push.OperationName.ShouldBe("courier.push");
            Tag(push, "courier.key").ShouldBe("tr1/360p/360p.mp4");
            Tag(push, "courier.target").ShouldBe(Tag(delivery, "courier.target"));
            Tag(push, "courier.outcome").ShouldBe("pushed");
            Tag(push, "courier.bytes").ShouldBe("10000");
        }
    }

    [Fact]
    public async Task An_async_retry_is_a_scan_span_over_the_delivery_attempt_over_its_failed_push()
    {
        using var spans = new Spans();
        await using var host = CourierHost.Create(withDownTarget: true, settings: new Dictionary<string, string?>
        {
            ["Retry:FirstDelay"] = "00:00:00.100",
            ["Circuit:FailureThreshold"] = "1000",
            ["Scan:Interval"] = "00:00:00.200",
        });
        host.WriteSource("tr2/360p.mp4", 10_000);
        var client = new CourierClient(host.CreateClient());

        var report = await client.SubmitAsync(new VideoSubmission("tr2", [new RenditionSource("360p", "tr2/360p.mp4")], [host.TargetDown]), Ct);
        report.State.ShouldBe("partial");

        var retry = await Eventually.WaitAsync(
            () => Task.FromResult(spans.FirstOrDefault(s => s.OperationName == "courier.delivery" && Tag(s, "courier.video_id") == "tr2" && Tag(s, "courier.mode") == "async")),
            s => s is not null,
            "an asynchronous attempt of tr2");

        Tag(retry!, "courier.target").ShouldBe(host.TargetDown);
        Tag(retry!, "courier.attempt").ShouldBe("2");
        Tag(retry!, "courier.outcome").ShouldBe("queued");
        retry!.Status.ShouldBe(ActivityStatusCode.Error);
        // The scan's span ends after the delivery's (the scan first writes the outcome and looks for more work).
        var scan = await Eventually.WaitAsync(
            () => Task.FromResult(spans.FirstOrDefault(s => s.SpanId == retry.ParentSpanId)),
            s => s is not null,
            "the scan span over the retry");
        scan!.OperationName.ShouldBe("courier.scan");
        scan.Parent.ShouldBeNull();
        var push = await Eventually.WaitAsync(
            () => Task.FromResult(spans.FirstOrDefault(s => s.ParentSpanId == retry.SpanId)),
            s => s is not null,
            "the push span of the retry");
        push!.OperationName.ShouldBe("courier.push");
        Tag(push, "courier.outcome").ShouldBe("failed");
        var first = spans.Single(s => s.OperationName == "courier.delivery" && Tag(s, "courier.video_id") == "tr2" && Tag(s, "courier.attempt") == "1");
        Tag(first, "courier.mode").ShouldBe("sync");
        first.TraceId.ShouldNotBe(retry.TraceId);
    }

    [Fact]
    public async Task An_otlp_endpoint_that_is_not_a_url_is_refused_at_start_naming_the_key()
    {
        await using var host = CourierHost.Create(settings: new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "collector:4317" });

        var e = Should.Throw<Courier.Core.Domain.BadInputException>(() => CourierServer.Build(host.LoadConfiguration()));

        e.Message.ShouldContain("Courier:Telemetry:OtlpEndpoint");
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name) switch
    {
        null => null,
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    /// <summary>Every stopped span of the "Courier" source while alive (spans of other tests too: filter by video id).</summary>
    private sealed class Spans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public Spans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == CourierTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> Where(Func<Activity, bool> predicate) => _stopped.ToArray().Where(predicate);

        public Activity? FirstOrDefault(Func<Activity, bool> predicate) => _stopped.ToArray().FirstOrDefault(predicate);

        public Activity Single(Func<Activity, bool> predicate) => _stopped.ToArray().Single(predicate);

        public void Dispose() => _listener.Dispose();
    }
}
