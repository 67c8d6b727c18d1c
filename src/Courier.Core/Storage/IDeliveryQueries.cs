namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): what the ledger holds: videos, deliveries, the queue and the figures behind the statistics.</summary>
public interface IDeliveryQueries
{
    /// <summary>The latest version of a video with its deliveries, or null when there is no such video.</summary>
    Task<VideoRecord?> GetVideoAsync(string videoId, CancellationToken cancellationToken);

    /// <summary>A given version of a video with its deliveries, or null.</summary>
    Task<VideoRecord?> GetVideoVersionAsync(string videoId, int version, CancellationToken cancellationToken);

    /// <summary>The most recently submitted video versions, newest first, with their deliveries.</summary>
    Task<IReadOnlyList<VideoRecord>> ListVideosAsync(int limit, CancellationToken cancellationToken);

    /// <summary>One delivery, or null.</summary>
    Task<DeliveryView?> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken);

    /// <summary>A page of the failure queue (queued, by due time) and/or the dead letters.</summary>
    Task<QueuePage> GetQueueAsync(QueueQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the <c>delivered</c> deliveries (for reconcile), optionally of one <paramref name="target"/> and/or one
    /// <paramref name="videoId"/>, ordered by id (stable across pages). They are not claimed: <see cref="ClaimedDelivery.LeaseToken"/>
    /// is <see cref="Guid.Empty"/>.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ListDeliveredAsync(string? target, string? videoId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>The figures behind the statistics; recent attempts are those started at or after <paramref name="recentSince"/>.</summary>
    Task<StoreStatistics> GetStatisticsAsync(DateTimeOffset recentSince, CancellationToken cancellationToken);

    /// <summary>
    /// Attempt counts per mode in buckets of <paramref name="bucket"/> since <paramref name="since"/> (by start time), for charts.
    /// Buckets start at <paramref name="since"/> + n × <paramref name="bucket"/>; a bucket without attempts may be left out.
    /// </summary>
    Task<IReadOnlyList<AttemptBucket>> GetAttemptSeriesAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken);

    /// <summary>
    /// The files recorded (<see cref="IDeliveryQueue.RecordFilesAsync"/>) for every delivery of <paramref name="videoId"/>'s
    /// <paramref name="rendition"/> to <paramref name="target"/> whose version is below <paramref name="beforeVersion"/>,
    /// one row per key (the newest record of each): what older versions may have left at the target.
    /// </summary>
    Task<IReadOnlyList<DeliveredFile>> GetFilesAsync(string videoId, string rendition, string target, int beforeVersion, CancellationToken cancellationToken);

    /// <summary>
    /// The files recorded (<see cref="IDeliveryQueue.RecordFilesAsync"/>) for the delivery <paramref name="deliveryId"/> itself:
    /// what its earlier attempts verified at the target, so a retry need not read them back again. Empty when none.
    /// </summary>
    Task<IReadOnlyList<DeliveredFile>> GetDeliveryFilesAsync(Guid deliveryId, CancellationToken cancellationToken);

    /// <summary>Per target that any version of the video was committed for: which version it holds (<see cref="TargetVersion"/>). Empty when the video is unknown.</summary>
    Task<IReadOnlyList<TargetVersion>> GetTargetVersionsAsync(string videoId, CancellationToken cancellationToken);
}
