using Courier.Core.Storage;

namespace Courier.Server.Webhooks;

/// <summary>A reader of the store's durable event outbox, with its own position (a webhook, or the metrics recorder).</summary>
internal interface IEventConsumer
{
    /// <summary>The name its position is kept under in the store.</summary>
    string Name { get; }

    /// <summary>Whether it handles events of this type; others are passed over.</summary>
    bool Wants(string type);

    /// <summary>Handles one event. Returns null when done, or why it failed (it is tried again later, never skipped).</summary>
    Task<string?> HandleAsync(CourierEvent courierEvent, CancellationToken cancellationToken);
}
