using System.Diagnostics;
using System.Diagnostics.Metrics;
using Courier.Core.Domain;

namespace Courier.Core.Diagnostics;

/// <summary>Courier's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <c>Courier</c>.</summary>
public static class CourierTelemetry
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "Courier";

    /// <summary>
    /// Spans: <c>courier.submission</c> (a synchronous push of one submission) and <c>courier.scan</c> (one pass of the
    /// asynchronous path) each parent one <c>courier.delivery</c> per attempt, which parents one <c>courier.push</c> per
    /// file. Tagged <c>courier.video_id</c>, <c>courier.rendition</c>, <c>courier.target</c>, <c>courier.attempt</c>,
    /// <c>courier.mode</c> and <c>courier.outcome</c>.
    /// </summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Attempts, tagged <c>mode</c>, <c>target</c>, <c>region</c>, <c>outcome</c> (succeeded|failed).</summary>
    public static readonly Counter<long> Attempts = Meter.CreateCounter<long>("courier.attempts", "{attempt}", "Delivery attempts by mode, target and outcome");

    /// <summary>Bytes pushed, tagged <c>target</c>.</summary>
    public static readonly Counter<long> BytesPushed = Meter.CreateCounter<long>("courier.bytes_pushed", "By", "Bytes pushed to targets");

    /// <summary>Attempt duration in seconds, tagged <c>mode</c>, <c>target</c>, <c>outcome</c>.</summary>
    public static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram<double>("courier.attempt.duration", "s", "Duration of delivery attempts");

    /// <summary>Deliveries dead-lettered, tagged <c>target</c> and <c>error_kind</c>.</summary>
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("courier.deliveries.dead", "{delivery}", "Deliveries dead-lettered");

    /// <summary>Seconds from submit to every delivery of a video version delivered.</summary>
    public static readonly Histogram<double> TimeToDistributed = Meter.CreateHistogram<double>("courier.video.time_to_distributed", "s", "Time from submit to fully distributed");

    /// <summary>Deliveries that missed the deadline threshold, tagged <c>target</c>.</summary>
    /// <summary>From ingest start to the first rendition delivered at a target, per target (recorded for what the ingest's own pushes delivered).</summary>
    public static readonly Histogram<double> IngestTimeToFirstRendition = Meter.CreateHistogram<double>("courier.ingest.time_to_first_rendition", "s", "Time from ingest start to the first rendition delivered at a target");

    /// <summary>From ingest start to every rendition delivered at a target (master published), per target.</summary>
    public static readonly Histogram<double> IngestTimeToAvailable = Meter.CreateHistogram<double>("courier.ingest.time_to_available", "s", "Time from ingest start to every rendition delivered at a target");

    public static readonly Counter<long> DeadlineMissed = Meter.CreateCounter<long>("courier.deliveries.deadline_missed", "{delivery}", "Deliveries not delivered within the deadline threshold");

    /// <summary>The snake-case name of a mode, for tags: <c>sync</c>, <c>async</c>, <c>manual</c>.</summary>
    public static string Tag(AttemptMode mode) => mode.Name();

    /// <summary>The snake-case name of a delivery state, for tags: <c>delivered</c>, <c>queued</c>, <c>dead</c>, <c>in_flight</c>.</summary>
    public static string Tag(DeliveryState state) => state.Name();
}
