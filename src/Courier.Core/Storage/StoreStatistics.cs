using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>The raw figures the statistics are computed from.</summary>
/// <param name="Attempts">Attempt counts by mode and target (all time, or since retention rolled them up).</param>
/// <param name="RecentAttempts">Attempt counts by mode and target since the requested moment.</param>
/// <param name="Deliveries">Delivery counts by target and state.</param>
/// <param name="SecondsToDistributed">Seconds from submit to fully distributed, of the most recent distributed versions.</param>
public sealed record StoreStatistics(
    IReadOnlyList<AttemptTally> Attempts,
    IReadOnlyList<AttemptTally> RecentAttempts,
    IReadOnlyList<StateTally> Deliveries,
    IReadOnlyList<double> SecondsToDistributed)
{
    /// <summary>Per ingested version and target (the most recent ingests), the times from the ingest's start.</summary>
    public IReadOnlyList<IngestSample> Ingests { get; init; } = [];
}

/// <summary>One ingested version at one target: seconds from the ingest's start to its first rendition delivered there, and to <c>video.available</c> there (null until then).</summary>
public sealed record IngestSample(string Target, double FirstRenditionSeconds, double? AllRenditionsSeconds);

/// <summary>Attempts of one mode at one target.</summary>
public sealed record AttemptTally(AttemptMode Mode, string Target, long Succeeded, long Failed, long Bytes);

/// <summary>Deliveries of one target in one state.</summary>
public sealed record StateTally(string Target, DeliveryState State, long Count);

/// <summary>Attempts of one mode in one time bucket, for charts.</summary>
public sealed record AttemptBucket(DateTimeOffset Start, AttemptMode Mode, long Succeeded, long Failed);
