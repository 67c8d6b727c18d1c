using Courier.Core.Storage;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task RecordCircuitAsync(TargetCircuitState circuit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(circuit);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = circuit.DownUntil is { } downUntil
            ? SqliteMapping.Command(
                connection,
                null,
                """
                INSERT INTO target_circuits (target, down_until, next_probe_at, last_error, node_id, updated_at)
                VALUES (@target, @downUntil, @nextProbeAt, @error, @node, @now)
                ON CONFLICT (target) DO UPDATE SET down_until = excluded.down_until, next_probe_at = excluded.next_probe_at,
                    last_error = excluded.last_error, node_id = excluded.node_id, updated_at = excluded.updated_at
                """,
                ("@target", circuit.Target),
                ("@downUntil", SqliteMapping.Ms(downUntil)),
                ("@nextProbeAt", SqliteMapping.Ms(circuit.NextProbeAt)),
                ("@error", circuit.LastError),
                ("@node", circuit.NodeId),
                ("@now", SqliteMapping.Ms(circuit.UpdatedAt)))
            : SqliteMapping.Command(connection, null, "DELETE FROM target_circuits WHERE target = @target", ("@target", circuit.Target));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TargetCircuitState>> GetOpenCircuitsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteMapping.Command(
            connection,
            null,
            "SELECT target, down_until, next_probe_at, last_error, node_id, updated_at FROM target_circuits WHERE down_until > @now ORDER BY target",
            ("@now", SqliteMapping.Ms(now)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var open = new List<TargetCircuitState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            open.Add(new TargetCircuitState(
                reader.GetString(0),
                SqliteMapping.Time(reader.GetInt64(1)),
                SqliteMapping.NullableTime(reader, 2),
                SqliteMapping.NullableString(reader, 3),
                reader.GetString(4),
                SqliteMapping.Time(reader.GetInt64(5))));
        }

        return open;
    }
}
