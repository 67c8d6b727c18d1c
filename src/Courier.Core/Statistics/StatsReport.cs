namespace Courier.Core.Statistics;

/// <summary>How well distribution performs: <c>GET /api/stats</c> and <c>courier stats --json</c>.</summary>
public sealed record StatsReport(
    ModeStats Sync,
    ModeStats Async,
    ModeStats Manual,
    StateCounts Deliveries,
    Percentiles TimeToDistributedSeconds,
    IReadOnlyList<TargetStats> Targets,
    IReadOnlyList<RegionStats> Regions);

/// <summary>Attempts of one mode and how many succeeded. <see cref="SuccessRate"/> is null when there were none.</summary>
public sealed record ModeStats(long Attempts, long Succeeded, long Failed, double? SuccessRate);

/// <summary>Deliveries by state. Serialised with the state names as keys: <c>in_flight</c>. <see cref="Scheduled"/>: waiting for a licence window (not in the failure queue).</summary>
public sealed record StateCounts(
    long Delivered,
    [property: System.Text.Json.Serialization.JsonPropertyName("in_flight")] long InFlight,
    long Queued,
    long Dead,
    long Scheduled = 0);

/// <summary>Percentiles of a distribution in seconds; null when there are no samples.</summary>
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

/// <summary>The figures of one region (all its targets).</summary>
public sealed record RegionStats(string Region, ModeStats Sync, ModeStats Async, StateCounts Deliveries);
