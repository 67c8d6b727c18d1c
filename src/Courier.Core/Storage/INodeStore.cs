namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): node heartbeats, and taking back the work of nodes that stopped.</summary>
public interface INodeStore
{
    /// <summary>Records that <paramref name="nodeId"/> is alive.</summary>
    Task HeartbeatAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back the <c>in_flight</c> deliveries of every node whose last heartbeat is before <paramref name="heartbeatBefore"/>
    /// (or that has no heartbeat): they become <c>queued</c>, due at <paramref name="now"/>, error kind <c>lease_lost</c>,
    /// attempts unchanged. Returns how many were taken back.
    /// </summary>
    Task<int> ReclaimExpiredAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A node's clean shutdown: its <c>in_flight</c> deliveries go back to <c>queued</c>, due now, unattempted; its heartbeat is removed.</summary>
    Task<int> ReleaseNodeAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken);
}
