namespace Courier.Core.Storage;

/// <summary>
/// A person's resubmission: the deliveries chosen (by id, or dead ones by target and/or error kind) go back to
/// <c>queued</c>, due at once, with their attempt count reset. Deliveries already delivered or in flight are left alone.
/// </summary>
/// <param name="DeliveryIds">These deliveries (queued or dead), or null to select dead ones by filter.</param>
/// <param name="Target">With no ids: only dead deliveries to this target.</param>
/// <param name="ErrorKind">With no ids: only dead deliveries with this error kind.</param>
/// <param name="Now">Now: the due time.</param>
public sealed record RequeueRequest(IReadOnlyList<Guid>? DeliveryIds, string? Target, string? ErrorKind, DateTimeOffset Now);
