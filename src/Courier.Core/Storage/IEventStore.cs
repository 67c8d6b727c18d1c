namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): the durable event outbox and its consumers (webhooks), and the deadline flags that write events.</summary>
public interface IEventStore
{
    /// <summary>
    /// Flags the deliveries created before <paramref name="createdBefore"/> that are not delivered and not flagged yet
    /// (at most <paramref name="limit"/>), writing a <c>delivery.deadline_missed</c> event for each. Returns them.
    /// </summary>
    Task<IReadOnlyList<DeliveryView>> MarkDeadlineMissedAsync(DateTimeOffset createdBefore, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a <c>video.available</c> event naming <paramref name="deliveryId"/> (a delivery of the version to the target
    /// where the version's multivariant playlist was just published), unless the outbox already holds one for that video
    /// version and target. Returns true when it wrote one.
    /// </summary>
    Task<bool> AddAvailableAsync(Guid deliveryId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The ingested versions (those with an ingest start) that are not settled (<see cref="SettleAvailableAsync"/>), ordered
    /// by video id and version (the store's own order), after (<paramref name="afterVideoId"/>, <paramref name="afterVersion"/>), or from
    /// the first when <paramref name="afterVideoId"/> is null; at most <paramref name="limit"/>, each with the targets where
    /// it is available (<see cref="AddAvailableAsync"/> wrote for them; that record outlives the event). Reads only the
    /// pending versions, not every version ever ingested.
    /// </summary>
    Task<IReadOnlyList<PendingAvailable>> ListPendingAvailableAsync(string? afterVideoId, int afterVersion, int limit, CancellationToken cancellationToken);

    /// <summary>Marks an ingested version settled: nothing is left to publish for it. Returns false when it was settled already or is unknown.</summary>
    Task<bool> SettleAvailableAsync(string videoId, int version, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Events after <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<CourierEvent>> ReadEventsAsync(long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Leases the named event consumer (a webhook) to <paramref name="nodeId"/> until <paramref name="now"/> + <paramref name="leaseFor"/>
    /// when it is free, its lease lapsed, or the node already holds it. Creates it at the current last event id when new,
    /// so a new webhook is not flooded with history. Returns its state, or null when another node holds it.
    /// </summary>
    Task<ConsumerState?> TryLeaseConsumerAsync(string consumer, string nodeId, DateTimeOffset now, TimeSpan leaseFor, CancellationToken cancellationToken);

    /// <summary>Saves a consumer's progress, only while <paramref name="nodeId"/> holds its lease. Returns false when refused.</summary>
    Task<bool> SaveConsumerAsync(string nodeId, ConsumerState state, CancellationToken cancellationToken);
}
