namespace Courier.Client;

/// <summary>One rendition to distribute: its name (<c>720p</c>) and its path relative to the server's source root.</summary>
public sealed record RenditionSource(string Name, string Path);

/// <summary>The body of a submission (<c>POST /api/videos</c>).</summary>
/// <param name="VideoId">The video's id.</param>
/// <param name="Renditions">The renditions: a file, or a directory for a package (HLS/DASH).</param>
/// <param name="Targets">Target names; null: every enabled target.</param>
/// <param name="Wait">False: answer once the submission is durable and push afterwards. Null: the server's default (wait).</param>
public sealed record VideoSubmission(string VideoId, IReadOnlyList<RenditionSource> Renditions, IReadOnlyList<string>? Targets = null, bool? Wait = null);

/// <summary>A video's report: where every rendition is on every target.</summary>
/// <param name="State"><c>distributing</c>, <c>distributed</c>, <c>partial</c>, <c>failed</c>; for a takedown <c>removing</c>, <c>removed</c>.</param>
/// <param name="Targets">Per target, which version it holds (in <c>GET /api/videos/{id}</c>; null in other answers).</param>
public sealed record VideoReport(
    string VideoId,
    int Version,
    string State,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DistributedAt,
    IReadOnlyList<RenditionInfo> Renditions,
    IReadOnlyList<DeliveryReport> Deliveries,
    IReadOnlyList<TargetHolding>? Targets = null);

/// <summary>Which version of a video one target holds.</summary>
/// <param name="LiveVersion">The newest version wholly delivered there (what players get), or null.</param>
/// <param name="PendingVersion">The newest version with work not yet done there, or null.</param>
/// <param name="Removed">True when the video was taken down from the target.</param>
public sealed record TargetHolding(string Target, int? LiveVersion, int? PendingVersion, bool Removed);

/// <summary>A rendition as the server recorded it.</summary>
/// <param name="Kind"><c>file</c> or <c>package</c>.</param>
public sealed record RenditionInfo(string Name, string SourcePath, string Kind, long Bytes, int FileCount);

/// <summary>One rendition × target in a video's report.</summary>
/// <param name="State"><c>delivered</c>, <c>in_flight</c>, <c>queued</c>, <c>dead</c>, <c>superseded</c>, <c>removed</c>.</param>
public sealed record DeliveryReport(
    Guid Id,
    string Rendition,
    string Target,
    string? Region,
    string State,
    int Attempts,
    string? LastError,
    string? ErrorKind,
    DateTimeOffset? NextAttemptAt,
    long? Bytes,
    long? LastDurationMs,
    DateTimeOffset? DeliveredAt,
    int Version = 0,
    string Operation = "push");

/// <summary>A delivery as the queue and <c>GET /api/deliveries/{id}</c> show it.</summary>
public sealed record Delivery(
    Guid Id,
    string VideoId,
    int Version,
    string Rendition,
    string Target,
    string State,
    int Attempts,
    string? LastError,
    string? ErrorKind,
    DateTimeOffset? NextAttemptAt,
    long? Bytes,
    long? LastDurationMs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt,
    string Operation = "push");

/// <summary>Which part of the queue to read.</summary>
/// <param name="State"><c>queued</c>, <c>dead</c>, or null for both.</param>
public sealed record QueueFilter(string? State = null, string? Target = null, string? ErrorKind = null, int? Offset = null, int? Limit = null);

/// <summary>One page of the failure queue.</summary>
public sealed record QueuePage(int Total, IReadOnlyList<Delivery> Items);

/// <summary>Attempts of one mode (sync, async, manual) and how many succeeded; <see cref="SuccessRate"/> is null without attempts.</summary>
public sealed record ModeStats(long Attempts, long Succeeded, long Failed, double? SuccessRate);

/// <summary>Deliveries by state.</summary>
public sealed record StateCounts(
    long Delivered,
    [property: System.Text.Json.Serialization.JsonPropertyName("in_flight")] long InFlight,
    long Queued,
    long Dead,
    long Scheduled = 0);

/// <summary>Percentiles in seconds; null without samples.</summary>
public sealed record Percentiles(double? P50, double? P95, double? Max, int Count);

/// <summary>The figures of one target.</summary>
public sealed record TargetStats(
    string Name,
    string Region,
    string Kind,
    ModeStats Sync,
    ModeStats Async,
    ModeStats Manual,
    ModeStats Recent,
    StateCounts Deliveries,
    long QueueDepth,
    long BytesPushed,
    bool Down,
    int ConsecutiveFailures,
    string? LastError,
    IngestStats? Ingest = null);

/// <summary>
/// Ingest at one target, over the most recent ingests: seconds from an ingest's start to its first rendition delivered
/// there, and to every rendition there (its <c>video.available</c>). Null on a target no ingest reached.
/// </summary>
public sealed record IngestStats(Percentiles FirstRenditionSeconds, Percentiles AllRenditionsSeconds);

/// <summary>The figures of one region.</summary>
public sealed record RegionStats(string Region, ModeStats Sync, ModeStats Async, StateCounts Deliveries);

/// <summary>How well distribution performs (<c>GET /api/stats</c>).</summary>
public sealed record StatsReport(
    ModeStats Sync,
    ModeStats Async,
    ModeStats Manual,
    StateCounts Deliveries,
    Percentiles TimeToDistributedSeconds,
    IReadOnlyList<TargetStats> Targets,
    IReadOnlyList<RegionStats> Regions);

/// <summary>What a reconcile pass checked and found.</summary>
public sealed record ReconcileResult(int Checked, int Healthy, int Reopened, IReadOnlyList<ReconcileFinding> Findings);

/// <summary>A delivered file that a target no longer holds as recorded.</summary>
public sealed record ReconcileFinding(Guid DeliveryId, string VideoId, int Version, string Rendition, string Target, string? Key, string Problem, bool Reopened);

/// <summary>An ingest: the video id, the source (relative to the server's source root), and optionally the rungs and targets.</summary>
public sealed record IngestSubmission(string VideoId, string Source, IReadOnlyList<string>? Ladder = null, IReadOnlyList<string>? Targets = null);

/// <summary>What an ingest did: the version's report, each rendition encoded, and the targets where <c>{videoId}/master.m3u8</c> is published.</summary>
public sealed record IngestReport(VideoReport Video, string Source, string Directory, DateTimeOffset StartedAt, IReadOnlyList<IngestedRendition> Renditions, IReadOnlyList<string> AvailableAt, IReadOnlyList<IngestTargetTimes> Targets);

/// <summary>How soon an ingest reached one target: seconds from its start to the first rendition delivered there and to all (null: not yet).</summary>
public sealed record IngestTargetTimes(string Target, double? FirstRenditionSeconds, double? AllRenditionsSeconds);

/// <summary>One rendition an ingest encoded, and when its transcode finished.</summary>
public sealed record IngestedRendition(string Name, int Width, int Height, DateTimeOffset TranscodedAt, double TranscodeSeconds);
