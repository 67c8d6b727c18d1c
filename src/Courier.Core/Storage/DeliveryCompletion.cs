using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>
/// The outcome of work on a claimed delivery, decided by the core. The store writes it only
/// <c>WHERE id = … AND state = 'in_flight' AND lease_token = …</c>, together with the attempt (if any)
/// and the events it causes, in one transaction.
/// </summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="LeaseToken">The token of the claim the work was done under.</param>
/// <param name="State">The new state: <c>delivered</c>, <c>queued</c> or <c>dead</c>.</param>
/// <param name="CountsAsAttempt">Whether the delivery's attempt count goes up (false when work was released unattempted: shutdown, target known down).</param>
/// <param name="NextAttemptAt">When a queued delivery is due.</param>
/// <param name="LastError">The error to show, or null.</param>
/// <param name="ErrorKind">The error's stable label (<see cref="Targets.ErrorKinds"/>), or null.</param>
/// <param name="Bytes">Bytes of the rendition at the target (delivered only).</param>
/// <param name="Sha256">A digest of the delivered content: the SHA-256 of a single file, or of the package's file list and digests.</param>
/// <param name="Attempt">The attempt to record, or null when nothing was attempted.</param>
/// <param name="Now">The time of the completion.</param>
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
    DateTimeOffset Now);

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
