namespace Courier.Core.Storage;

/// <summary>A facet of the store port (<see cref="IDeliveryStore"/>): the schema, health checks and retention.</summary>
public interface IStoreMaintenance
{
    /// <summary>Applies the numbered schema migrations that are not applied yet. Safe to call from several processes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Checks that the store answers (for health checks).</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Retention: folds attempts started before <paramref name="before"/> into the per-mode, per-target totals
    /// (so statistics stay whole) and deletes them; also deletes events before that time that every consumer has passed. Returns attempts removed.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
