using Courier.Core.Domain;

namespace Courier.Core.Distribution;

/// <summary>What one run of a delivery did.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="Rendition">The rendition name.</param>
/// <param name="Target">The target name.</param>
/// <param name="State">The state it was left in.</param>
/// <param name="Bytes">Bytes sent in this run.</param>
/// <param name="Duration">How long the run took.</param>
/// <param name="Error">The failure, or null.</param>
/// <param name="ErrorKind">The failure's label, or null.</param>
/// <param name="Accepted">False when the store refused the outcome (the lease was lost to another node).</param>
public sealed record DeliveryResult(
    Guid DeliveryId,
    string Rendition,
    string Target,
    DeliveryState State,
    long Bytes,
    TimeSpan Duration,
    string? Error,
    string? ErrorKind,
    bool Accepted);
