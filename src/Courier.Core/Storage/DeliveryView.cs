using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A delivery as reports, the queue and the API show it.</summary>
public sealed record DeliveryView(
    Guid Id,
    string VideoId,
    int Version,
    string Rendition,
    string Target,
    DeliveryState State,
    int Attempts,
    string? LastError,
    string? ErrorKind,
    DateTimeOffset? NextAttemptAt,
    long? Bytes,
    long? LastDurationMs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt,
    DeliveryOperation Operation = DeliveryOperation.Push);
