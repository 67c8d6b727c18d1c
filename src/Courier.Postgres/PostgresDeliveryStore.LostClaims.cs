using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>One batch (one implicit transaction): the lost in-flight claims back to the queue, the lost superseded leases let go.</summary>
    public async Task<int> ReleaseLostClaimsAsync(string nodeId, IReadOnlyCollection<Guid> heldLeases, DateTimeOffset claimedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heldLeases);
        const string Lost = "lease_owner = @node AND updated_at < @before AND NOT (lease_token = ANY(@held))";
        await using var batch = _dataSource.CreateBatch();
        foreach (var sql in new[]
        {
            $"UPDATE deliveries SET state = 'queued', next_attempt_at = @now, lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'in_flight' AND {Lost}",
            $"UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'superseded' AND lease_token IS NOT NULL AND {Lost}",
        })
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql)
            {
                Parameters = { Time("now", now), Time("before", claimedBefore), P("node", nodeId), P("held", heldLeases.ToArray()) },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected;
    }
}
