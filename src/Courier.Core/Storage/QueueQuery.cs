using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A page of the failure queue or the dead letters.</summary>
/// <param name="State">Queued or dead; null for both.</param>
/// <param name="Target">Only this target, or null.</param>
/// <param name="ErrorKind">Only this error kind, or null.</param>
/// <param name="Offset">Items to skip.</param>
/// <param name="Limit">Items to return.</param>
public sealed record QueueQuery(DeliveryState? State = null, string? Target = null, string? ErrorKind = null, int Offset = 0, int Limit = 100);

/// <summary>The items of a queue page and the total that match, ordered by due time (queued) then update time.</summary>
public sealed record QueuePage(int Total, IReadOnlyList<DeliveryView> Items);
