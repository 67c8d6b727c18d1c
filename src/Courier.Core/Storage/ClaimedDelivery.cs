using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>
/// A delivery a node now holds <c>in_flight</c>. Its outcome is accepted only with <see cref="LeaseToken"/>:
/// a node that lost its lease can never overwrite the work of the node that took over.
/// <see cref="Resubmitted"/> is true when a person resubmitted it (<see cref="IDeliveryQueue.RequeueAsync"/>) and it has
/// not been attempted since: its next attempt counts as <c>manual</c>.
/// <see cref="Operation"/> says whether the work is a push or a removal (<see cref="DeliveryOperation.Remove"/>: take the
/// rendition's files away from the target).
/// <see cref="HasFiles"/> is false when the store holds no file recorded for this delivery yet (no attempt of it verified
/// any): its push need not ask for them. <see cref="Bytes"/> is the rendition's size as submitted. <see cref="NothingSent"/>
/// is true when no recorded attempt of it sent a byte to its target (every earlier try failed before its first byte, such
/// as while the target was down).
/// </summary>
public sealed record ClaimedDelivery(
    Guid Id,
    string VideoId,
    int Version,
    string Rendition,
    string SourcePath,
    RenditionKind Kind,
    string Fingerprint,
    string Target,
    int Attempts,
    Guid LeaseToken,
    DateTimeOffset CreatedAt,
    bool Resubmitted = false,
    DeliveryOperation Operation = DeliveryOperation.Push,
    bool HasFiles = true,
    long Bytes = 0,
    bool NothingSent = false);
