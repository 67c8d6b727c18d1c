namespace Courier.Core.Storage;

/// <summary>
/// A facet of the store port (<see cref="IDeliveryStore"/>): the targets a node found down, shared through the store so
/// every process that pushes (a <c>courier distribute</c> beside <c>courier serve</c>, another node) knows what one learnt.
/// Advisory: a process acts on it only after checking the target itself (a probe), so a row a dead node left is harmless.
/// </summary>
public interface ICircuitStore
{
    /// <summary>
    /// Records <paramref name="circuit"/>'s target as down (replacing what was recorded for it), or, when
    /// <see cref="TargetCircuitState.DownUntil"/> is null, as up again (forgetting it).
    /// </summary>
    Task RecordCircuitAsync(TargetCircuitState circuit, CancellationToken cancellationToken);

    /// <summary>The targets recorded down at <paramref name="now"/> (their <see cref="TargetCircuitState.DownUntil"/> is later), by name.</summary>
    Task<IReadOnlyList<TargetCircuitState>> GetOpenCircuitsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
