using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>
/// The store port: the durable ledger of videos, deliveries, attempts, node heartbeats and events.
/// The core decides; the store records, atomically, and guards every outcome with the lease token.
/// One compliance suite (<c>Courier.Store.Compliance</c>) holds every implementation to this contract.
/// All times are passed in by the caller (from its <see cref="TimeProvider"/>); the store never reads the clock, and keeps
/// them to the millisecond at least.
/// </summary>
public interface IDeliveryStore
{
    /// <summary>Applies the numbered schema migrations that are not applied yet. Safe to call from several processes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Checks that the store answers (for health checks).</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Commits a submission before anything is pushed: the video version (found by fingerprint, or the next number),
    /// its renditions, and one delivery per rendition × target (existing ones are kept: no duplicates).
    /// In the same transaction, records <paramref name="nodeId"/>'s heartbeat and claims for it, each under a fresh
    /// lease token, the deliveries of this version to the given targets that are new or <c>queued</c>.
    /// New deliveries added to a version that was distributed (extra targets) clear its distributed time: it is set again,
    /// with another <c>video.distributed</c>, when they are delivered too.
    /// </summary>
    Task<SubmitResult> SubmitAsync(NewVideoVersion video, string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> <c>queued</c> deliveries due at <paramref name="now"/>, oldest due first,
    /// skipping <paramref name="excludeTargets"/>; each gets state <c>in_flight</c>, owner <paramref name="nodeId"/> and a
    /// fresh lease token. Records the node's heartbeat in the same transaction. Costs O(due rows), not O(queue).
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string nodeId, int limit, DateTimeOffset now, IReadOnlyCollection<string> excludeTargets, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an outcome if, and only if, the delivery is still <c>in_flight</c> under <see cref="DeliveryCompletion.LeaseToken"/>.
    /// With it, in one transaction: the attempt, the video's distributed time when this was its last delivery, and the events
    /// (<c>video.distributed</c>, <c>delivery.dead</c>, <c>video.failed</c> once per version). Returns false when refused.
    /// </summary>
    Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="nodeId"/> is alive.</summary>
    Task HeartbeatAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back the <c>in_flight</c> deliveries of every node whose last heartbeat is before <paramref name="heartbeatBefore"/>
    /// (or that has no heartbeat): they become <c>queued</c>, due at <paramref name="now"/>, error kind <c>lease_lost</c>,
    /// attempts unchanged. Returns how many were taken back.
    /// </summary>
    Task<int> ReclaimExpiredAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A node's clean shutdown: its <c>in_flight</c> deliveries go back to <c>queued</c>, due now, unattempted; its heartbeat is removed.</summary>
    Task<int> ReleaseNodeAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every <c>queued</c> delivery to <paramref name="target"/> due at <paramref name="now"/> (a target came back: drain it now).
    /// Returns how many were not due yet.
    /// </summary>
    Task<int> MakeDueAsync(string target, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// A person's resubmission (<see cref="RequeueRequest"/>): the chosen <c>dead</c> or <c>queued</c> deliveries become
    /// <c>queued</c>, due now, attempts reset to 0, marked resubmitted until an attempt of theirs is recorded (a completion
    /// without an attempt, such as a deferral while the target is down, keeps the mark). Returns the deliveries requeued.
    /// </summary>
    Task<IReadOnlyList<Guid>> RequeueAsync(RequeueRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the <c>delivered</c> deliveries (for reconcile), optionally of one <paramref name="target"/> and/or one
    /// <paramref name="videoId"/>, ordered by id (stable across pages). They are not claimed: <see cref="ClaimedDelivery.LeaseToken"/>
    /// is <see cref="Guid.Empty"/>.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ListDeliveredAsync(string? target, string? videoId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Reconcile found a <c>delivered</c> delivery's files missing or wrong at its target: it becomes <c>queued</c>, due at
    /// <paramref name="now"/>, attempts reset to 0, last error <paramref name="reason"/>, error kind <paramref name="errorKind"/>
    /// (<c>drifted</c>); its video version's distributed time is cleared (set again, with another <c>video.distributed</c>,
    /// when it is delivered again). Only while it is still <c>delivered</c>: returns false otherwise.
    /// </summary>
    Task<bool> ReopenDeliveredAsync(Guid deliveryId, string reason, string errorKind, DateTimeOffset now, CancellationToken cancellationToken);

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

    /// <summary>The figures behind the statistics; recent attempts are those started at or after <paramref name="recentSince"/>.</summary>
    Task<StoreStatistics> GetStatisticsAsync(DateTimeOffset recentSince, CancellationToken cancellationToken);

    /// <summary>
    /// Attempt counts per mode in buckets of <paramref name="bucket"/> since <paramref name="since"/> (by start time), for charts.
    /// Buckets start at <paramref name="since"/> + n × <paramref name="bucket"/>; a bucket without attempts may be left out.
    /// </summary>
    Task<IReadOnlyList<AttemptBucket>> GetAttemptSeriesAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken);

    /// <summary>
    /// Flags the deliveries created before <paramref name="createdBefore"/> that are not delivered and not flagged yet
    /// (at most <paramref name="limit"/>), writing a <c>delivery.deadline_missed</c> event for each. Returns them.
    /// </summary>
    Task<IReadOnlyList<DeliveryView>> MarkDeadlineMissedAsync(DateTimeOffset createdBefore, DateTimeOffset now, int limit, CancellationToken cancellationToken);

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

    /// <summary>
    /// Retention: folds attempts started before <paramref name="before"/> into the per-mode, per-target totals
    /// (so statistics stay whole) and deletes them; also deletes events before that time that every consumer has passed. Returns attempts removed.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>The progress of one event consumer (a webhook): the last event it handled and its retry state.</summary>
public sealed record ConsumerState(string Consumer, long Position, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);
