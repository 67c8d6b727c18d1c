using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>
/// The outcome of work on a claimed delivery, decided by the core. The store writes it only
/// <c>WHERE id = … AND state = 'in_flight' AND lease_token = …</c>, together with the attempt (if any)
/// and the events it causes, in one transaction.
/// </summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="LeaseToken">The token of the claim the work was done under.</param>
/// <param name="State">The new state: <c>delivered</c> (a push), <c>removed</c> (a removal), <c>queued</c> or <c>dead</c>.</param>
/// <param name="CountsAsAttempt">Whether the delivery's attempt count goes up (false when work was released unattempted: shutdown, target known down; or when a failed attempt made progress).</param>
/// <param name="NextAttemptAt">When a queued delivery is due.</param>
/// <param name="LastError">The error to show, or null.</param>
/// <param name="ErrorKind">The error's stable label (<see cref="Targets.ErrorKinds"/>), or null.</param>
/// <param name="Bytes">Bytes of the rendition at the target (delivered only).</param>
/// <param name="Sha256">A digest of the delivered content: the SHA-256 of a single file, or of the package's file list and digests.</param>
/// <param name="Attempt">The attempt to record, or null when nothing was attempted.</param>
/// <param name="Now">The time of the completion.</param>
/// <param name="Files">
/// Files the work put at the target and verified, recorded with the outcome in the same transaction (upsert by key, as
/// <see cref="IDeliveryQueue.RecordFilesAsync"/> does) when it is accepted; nothing when it is refused. Null or empty: none.
/// One commit per delivered push instead of two.
/// </param>
public sealed record DeliveryCompletion(
    Guid DeliveryId,
    Guid LeaseToken,
    DeliveryState State,
    bool CountsAsAttempt,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    string? ErrorKind,
    long? Bytes,
    string? Sha256,
    AttemptRecord? Attempt,
    DateTimeOffset Now,
    IReadOnlyList<DeliveredFile>? Files = null)
{
    /// <summary>
    /// The push succeeded and was verified: <c>delivered</c>, with the bytes and digest at the target, the attempt, and the
    /// files it put there (<paramref name="files"/>; null when they were already recorded).
    /// </summary>
    public static DeliveryCompletion Delivered(ClaimedDelivery claim, long bytes, string sha256, AttemptRecord attempt, DateTimeOffset now, IReadOnlyList<DeliveredFile>? files = null) =>
        new(claim.Id, claim.LeaseToken, DeliveryState.Delivered, true, null, null, null, bytes, sha256, attempt, now, files);

    /// <summary>A removal succeeded and was proven (every file answers "not found"): <c>removed</c>, with the attempt.</summary>
    public static DeliveryCompletion Removed(ClaimedDelivery claim, AttemptRecord attempt, DateTimeOffset now) =>
        new(claim.Id, claim.LeaseToken, DeliveryState.Removed, true, null, null, null, null, null, attempt, now);

    /// <summary>
    /// The attempt failed: <c>queued</c> again, due at <paramref name="nextAttemptAt"/>, or <c>dead</c> (then
    /// <paramref name="nextAttemptAt"/> is null), as the retry policy decided. The attempt is recorded; it counts against the
    /// attempt budget unless <paramref name="countsAsAttempt"/> is false (it made progress).
    /// </summary>
    public static DeliveryCompletion Failed(ClaimedDelivery claim, DeliveryState state, DateTimeOffset? nextAttemptAt, string error, string errorKind, AttemptRecord attempt, DateTimeOffset now, bool countsAsAttempt = true) =>
        new(claim.Id, claim.LeaseToken, state, countsAsAttempt, nextAttemptAt, error, errorKind, null, null, attempt, now);

    /// <summary>Not tried (its target is known to be down): <c>queued</c>, due at <paramref name="until"/>, no attempt counted.</summary>
    public static DeliveryCompletion Deferred(ClaimedDelivery claim, DateTimeOffset until, string reason, string errorKind, DateTimeOffset now) =>
        new(claim.Id, claim.LeaseToken, DeliveryState.Queued, false, until, reason, errorKind, null, null, null, now);

    /// <summary>Given back unattempted (shutdown): <c>queued</c>, due now, no attempt counted.</summary>
    public static DeliveryCompletion Released(ClaimedDelivery claim, string reason, DateTimeOffset now) =>
        new(claim.Id, claim.LeaseToken, DeliveryState.Queued, false, now, reason, null, null, null, null, now);
}

/// <summary>One try of a delivery, for the ledger and the statistics.</summary>
public sealed record AttemptRecord(
    AttemptMode Mode,
    bool Succeeded,
    string? Error,
    string? ErrorKind,
    long Bytes,
    TimeSpan Duration,
    DateTimeOffset StartedAt,
    string NodeId);
