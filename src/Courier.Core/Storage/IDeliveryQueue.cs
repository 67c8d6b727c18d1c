using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): submit, claim and complete: the work of the synchronous and asynchronous paths, and a person's or reconcile's requeue.</summary>
public interface IDeliveryQueue
{
    /// <summary>
    /// Commits a submission before anything is pushed: the video version, its renditions, and one delivery per rendition ×
    /// target (existing ones are kept: no duplicates). The version: the newest one when its fingerprint is the submission's
    /// and it is a publish (idempotent; extra targets or renditions add deliveries to it), else the next number. Content is
    /// compared with the newest version only: an older version's content again is a new version.
    /// A rendition a target does not take (<see cref="NewVideoVersion.Takes"/>) gets no delivery there. When the version's
    /// licence window opens after <paramref name="now"/> (<see cref="NewVideoVersion.AvailableFrom"/>), its new deliveries
    /// are added <c>scheduled</c>, due at that time, and are not claimed; the window is recorded on a new version.
    /// Committing version V for a target supersedes every delivery of an older version of the video to that target that is
    /// <c>queued</c>, <c>in_flight</c> or <c>dead</c>: it becomes <c>superseded</c>; an <c>in_flight</c> one keeps its lease
    /// (its node is still writing) until the node completes it (refused) or the lease is released or reclaimed.
    /// Renditions an older version pushed to a target (and no later removal took away) and V lacks get a
    /// <see cref="DeliveryOperation.Remove"/> delivery there when V is first committed for that target, held until V's pushes
    /// there are all delivered; its rendition row copies the older version's (source path, kind). When a later submission
    /// of the same version adds such a rendition, V's removal of it at those targets is superseded by the push.
    /// V's distributed time and <c>video.distributed</c> wait for its pushes only, not for these removals.
    /// In the same transaction, records <paramref name="nodeId"/>'s heartbeat (as a claim does) and claims for it, each under a fresh
    /// lease token, the deliveries of this version to the given targets that are new or <c>queued</c> and that the claim
    /// rules allow (see <see cref="ClaimDueAsync"/>); the others stay <c>queued</c>, due now.
    /// New deliveries added to a version that was distributed (extra targets) clear its distributed time: it is set again,
    /// with another <c>video.distributed</c>, when they are delivered too.
    /// </summary>
    Task<SubmitResult> SubmitAsync(NewVideoVersion video, string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> <c>queued</c> deliveries due at <paramref name="now"/>, oldest due first,
    /// skipping <paramref name="excludeTargets"/>; each gets state <c>in_flight</c>, owner <paramref name="nodeId"/> and a
    /// fresh lease token. Records the node's heartbeat with the claim (a store may leave out one less than a second after
    /// the last it wrote for the node). Costs O(due rows), not O(queue).
    /// The claim rules: a delivery of video X to target T is never handed out while a delivery of a newer version of X to T
    /// exists, while a <c>superseded</c> delivery of X to T still holds a lease (an older push is still writing), or, for a
    /// removal of a rendition a publish version dropped, while a push of that version to T is not yet <c>delivered</c>.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string nodeId, int limit, DateTimeOffset now, IReadOnlyCollection<string> excludeTargets, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an outcome if, and only if, the delivery is still <c>in_flight</c> under <see cref="DeliveryCompletion.LeaseToken"/>.
    /// With it, in one transaction: the attempt, the files it carries (<see cref="DeliveryCompletion.Files"/>), the video's
    /// distributed time when this was its last delivery, and the events
    /// (<c>video.distributed</c>, or <c>video.removed</c> for a removal version, <c>delivery.dead</c>, <c>video.failed</c> once
    /// per version). Returns false when refused. A delivery that was superseded while in flight is refused too, but the
    /// completion lets its lease go (and records its attempt when one is given): newer work may then start on its keys.
    /// </summary>
    Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every <c>queued</c> delivery to <paramref name="target"/> due at <paramref name="now"/> (a target came back: drain it now).
    /// Returns how many were not due yet.
    /// </summary>
    Task<int> MakeDueAsync(string target, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Licence windows that opened: every <c>scheduled</c> delivery whose time (its version's <c>availableFrom</c>) is at or
    /// before <paramref name="now"/> becomes <c>queued</c>, due now, its deadline counted from now. Returns how many.
    /// </summary>
    Task<int> OpenScheduledAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Licence windows that closed: up to <paramref name="limit"/> video ids whose newest version is a publish with an
    /// <c>availableUntil</c> at or before <paramref name="now"/>. Once the video's removal is committed its newest version is
    /// a removal, so each window is closed once.
    /// </summary>
    Task<IReadOnlyList<string>> ClosedWindowsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

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
    /// when it is delivered again). Its clock restarts: its creation time becomes <paramref name="now"/> (the deadline threshold
    /// counts from the reopen) and its deadline flag is cleared; the files it recorded are forgotten, so its next push checks
    /// every file again. Only while it is still <c>delivered</c> (or, for a removal whose files are found at its target
    /// again, <c>removed</c>: then its removal version's time is cleared, and set again with another <c>video.removed</c>
    /// when it is removed again): returns false otherwise.
    /// </summary>
    Task<bool> ReopenDeliveredAsync(Guid deliveryId, string reason, string errorKind, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a video down from <paramref name="targets"/>: commits, before any work starts, a removal version (N+1,
    /// <see cref="VideoRecord.Action"/> <see cref="DeliveryOperation.Remove"/>) with one <see cref="DeliveryOperation.Remove"/> delivery per rendition name any
    /// version of the video ever had × asked target; supersedes every older delivery of the video to those targets that is not
    /// done (<c>queued</c>, <c>in_flight</c>, <c>dead</c> → <c>superseded</c>); and claims for <paramref name="nodeId"/> the
    /// removals the claim rules allow. When the newest version is already a removal covering every asked target, it is
    /// idempotent: the same version, its queued removals claimed. No targets means every target any version of the video
    /// was committed for. Returns null when the video is unknown (nothing is stored).
    /// </summary>
    Task<SubmitResult?> RemoveAsync(string videoId, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims for <paramref name="nodeId"/>, each under a fresh lease token, the <c>queued</c> deliveries of
    /// <paramref name="videoId"/> version <paramref name="version"/> to <paramref name="targets"/> that are due at
    /// <paramref name="now"/> and that the claim rules allow (see <see cref="ClaimDueAsync"/>), and records the node's
    /// heartbeat, in one transaction. The synchronous path calls it once a version's pushes are delivered, to run at once
    /// the removals of the renditions the version dropped, which the claim rules held until then.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimVersionAsync(string videoId, int version, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records the files a push put at its target and verified (upsert by key), while the delivery is still <c>in_flight</c>
    /// under <paramref name="leaseToken"/>. Returns false when refused (the lease was lost or the delivery superseded).
    /// </summary>
    Task<bool> RecordFilesAsync(Guid deliveryId, Guid leaseToken, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken);
}
