namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    /// <summary>One write transaction: the lost in-flight claims back to the queue, the lost superseded leases let go.</summary>
    public async Task<int> ReleaseLostClaimsAsync(string nodeId, IReadOnlyCollection<Guid> heldLeases, DateTimeOffset claimedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heldLeases);
        const string Lost = "lease_owner = @node AND updated_at < @before AND lease_token NOT IN (SELECT value FROM json_each(@held))";
        (string, object?)[] parameters =
        [
            ("@node", nodeId),
            ("@before", SqliteMapping.Ms(claimedBefore)),
            ("@now", SqliteMapping.Ms(now)),
            ("@held", SqliteMapping.JsonArray(heldLeases.Select(SqliteMapping.Id))),
        ];
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        int released;
        await using (var requeue = SqliteMapping.Command(connection, transaction, $"UPDATE deliveries SET state = 'queued', next_attempt_at = @now, lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'in_flight' AND {Lost}", parameters))
        {
            released = await requeue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var letGo = SqliteMapping.Command(connection, transaction, $"UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'superseded' AND lease_token IS NOT NULL AND {Lost}", parameters))
        {
            await letGo.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return released;
    }
}
