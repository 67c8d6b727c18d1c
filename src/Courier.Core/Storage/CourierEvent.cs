namespace Courier.Core.Storage;

/// <summary>
/// An event in the store's durable outbox, written in the same transaction as the change that caused it:
/// <c>video.distributed</c>, <c>video.removed</c>, <c>video.failed</c>, <c>delivery.dead</c>, <c>delivery.deadline_missed</c>,
/// and <c>video.available</c> (the version's multivariant playlist is published at the target of the delivery it names).
/// </summary>
public sealed record CourierEvent(long Id, string Type, string VideoId, int Version, Guid? DeliveryId, DateTimeOffset CreatedAt);

/// <summary>The event type names.</summary>
public static class EventTypes
{
    public const string VideoDistributed = "video.distributed";
    public const string VideoRemoved = "video.removed";
    public const string VideoFailed = "video.failed";
    public const string DeliveryDead = "delivery.dead";
    public const string DeadlineMissed = "delivery.deadline_missed";
    public const string VideoAvailable = "video.available";
}
