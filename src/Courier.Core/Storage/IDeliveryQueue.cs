using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): submit, claim and complete: the work of the synchronous and asynchronous paths, and a person's or reconcile's requeue.</summary>
public interface IDeliveryQueue
{
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
    /// Reconcile found a <c>delivered</c> delivery's files missing or wrong at its target: it becomes <c>queued</c>, due at
    /// <paramref name="now"/>, attempts reset to 0, last error <paramref name="reason"/>, error kind <paramref name="errorKind"/>
    /// (<c>drifted</c>); its video version's distributed time is cleared (set again, with another <c>video.distributed</c>,
    /// when it is delivered again). Only while it is still <c>delivered</c>: returns false otherwise.
    /// </summary>
    Task<bool> ReopenDeliveredAsync(Guid deliveryId, string reason, string errorKind, DateTimeOffset now, CancellationToken cancellationToken);
}
