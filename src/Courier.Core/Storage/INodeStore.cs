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

    /// <summary>
    /// Hands back the claims a live node lost track of: the <c>in_flight</c> deliveries of <paramref name="nodeId"/> whose
    /// lease token is not among <paramref name="heldLeases"/> (the leases the node knows it holds) and that were last
    /// written before <paramref name="claimedBefore"/> become <c>queued</c>, due at <paramref name="now"/>, attempts
    /// unchanged; a <c>superseded</c> delivery's lease such a node lost is let go. A claim whose commit reached the store
    /// but whose answer never reached the node (the connection cut by a database restart or failover) is such a one:
    /// without this it would stay in flight under a node that keeps heartbeating. Returns how many were handed back.
    /// </summary>
    Task<int> ReleaseLostClaimsAsync(string nodeId, IReadOnlyCollection<Guid> heldLeases, DateTimeOffset claimedBefore, DateTimeOffset now, CancellationToken cancellationToken);
}
