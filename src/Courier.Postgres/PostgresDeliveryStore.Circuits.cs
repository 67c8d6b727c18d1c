using Courier.Core.Storage;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    public async Task RecordCircuitAsync(TargetCircuitState circuit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(circuit);
        await using var command = _dataSource.CreateCommand(circuit.DownUntil is null
            ? "DELETE FROM target_circuits WHERE target = @target"
            : """
              INSERT INTO target_circuits (target, down_until, next_probe_at, last_error, node_id, updated_at)
              VALUES (@target, @downUntil, @nextProbeAt, @error, @node, @now)
              ON CONFLICT (target) DO UPDATE SET down_until = excluded.down_until, next_probe_at = excluded.next_probe_at,
                  last_error = excluded.last_error, node_id = excluded.node_id, updated_at = excluded.updated_at
              """);
        command.Parameters.Add(P("target", circuit.Target));
        if (circuit.DownUntil is not null)
        {
            command.Parameters.Add(Time("downUntil", circuit.DownUntil));
            command.Parameters.Add(Time("nextProbeAt", circuit.NextProbeAt));
            command.Parameters.Add(P("error", circuit.LastError));
            command.Parameters.Add(P("node", circuit.NodeId));
            command.Parameters.Add(Time("now", circuit.UpdatedAt));
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TargetCircuitState>> GetOpenCircuitsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT target, down_until, next_probe_at, last_error, node_id, updated_at FROM target_circuits WHERE down_until > @now ORDER BY target");
        command.Parameters.Add(Time("now", now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var open = new List<TargetCircuitState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            open.Add(new TargetCircuitState(
                reader.GetString(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                NullableTime(reader, 2),
                NullableString(reader, 3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return open;
    }
}
