using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// Flags overdue deliveries (oldest first) through the partial index <c>deliveries_deadline</c> and writes their events,
    /// in one statement (one round trip); the outbox lock is taken only when there is something to write.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryView>> MarkDeadlineMissedAsync(DateTimeOffset createdBefore, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand(
            $"""
            WITH overdue AS (
                SELECT id FROM deliveries
                WHERE state NOT IN ('delivered', 'superseded', 'removed', 'scheduled') AND deadline_missed_at IS NULL AND created_at < @before
                ORDER BY created_at, id LIMIT @limit
                FOR UPDATE SKIP LOCKED),
            flagged AS (
                UPDATE deliveries d SET deadline_missed_at = @now FROM overdue WHERE d.id = overdue.id
                RETURNING {DeliveryColumns}),
            due AS (
                SELECT d.id, d.video_id, d.version, d.created_at, (SELECT 1 FROM pg_advisory_xact_lock(@event_key)) AS locked FROM flagged d),
            written AS (
                INSERT INTO events (type, video_id, version, delivery_id, created_at)
                SELECT @type, video_id, version, id, @now FROM due WHERE locked = 1 ORDER BY created_at, id)
            SELECT * FROM flagged d ORDER BY d.created_at, d.id
            """);
        command.Parameters.Add(Time("before", createdBefore));
        command.Parameters.Add(P("limit", limit));
        command.Parameters.Add(P("event_key", EventLockKey));
        command.Parameters.Add(P("type", EventTypes.DeadlineMissed));
        command.Parameters.Add(Time("now", now));
        var missed = new List<DeliveryView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            missed.Add(ReadDelivery(reader));
        }

        return missed;
    }

    /// <summary>Under the outbox lock, so two nodes publishing the same playlist at once write one event.</summary>
    public async Task<bool> AddAvailableAsync(Guid deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The record in available_targets (kept for good; the event is pruned with the outbox) decides "once per version
        // and target"; the event is written only with a new record.
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { P("key", EventLockKey) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            WITH added AS (
                INSERT INTO available_targets (video_id, version, target, delivery_id, available_at)
                SELECT d.video_id, d.version, d.target, d.id, @now FROM deliveries d WHERE d.id = @delivery
                ON CONFLICT (video_id, version, target) DO NOTHING
                RETURNING video_id, version, delivery_id)
            INSERT INTO events (type, video_id, version, delivery_id, created_at)
            SELECT @type, video_id, version, delivery_id, @now FROM added
            """)
        {
            Parameters = { P("type", EventTypes.VideoAvailable), P("delivery", deliveryId), Time("now", now) },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    public async Task<IReadOnlyList<CourierEvent>> ReadEventsAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT id, type, video_id, version, delivery_id, created_at FROM events WHERE id > @after ORDER BY id LIMIT @limit");
        command.Parameters.Add(P("after", afterId));
        command.Parameters.Add(P("limit", Math.Max(limit, 0)));
        var events = new List<CourierEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new CourierEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return events;
    }

    /// <summary>
    /// A new consumer starts after the last event id ever handed out (read under the event lock, so no event being
    /// written now is skipped, and pruning does not move it back).
    /// </summary>
    public async Task<ConsumerState?> TryLeaseConsumerAsync(string consumer, string nodeId, DateTimeOffset now, TimeSpan leaseFor, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { P("key", EventLockKey) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO event_consumers (consumer, position, lease_owner, lease_until)
            VALUES (@consumer, greatest((SELECT coalesce(max(id), 0) FROM events), coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'id')), 0)), @node, @until)
            ON CONFLICT (consumer) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
            WHERE event_consumers.lease_owner IS NULL OR event_consumers.lease_until <= @now OR event_consumers.lease_owner = @node
            RETURNING consumer, position, attempts, next_attempt_at, last_error
            """)
        {
            Parameters = { P("consumer", consumer), P("node", nodeId), Time("now", now), Time("until", now + leaseFor) },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ConsumerState(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2), NullableTime(reader, 3), NullableString(reader, 4));
    }

    public async Task<bool> SaveConsumerAsync(string nodeId, ConsumerState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await using var command = _dataSource.CreateCommand(
            """
            UPDATE event_consumers SET position = @position, attempts = @attempts, next_attempt_at = @next, last_error = @error
            WHERE consumer = @consumer AND lease_owner = @node
            """);
        command.Parameters.Add(P("position", state.Position));
        command.Parameters.Add(P("attempts", state.Attempts));
        command.Parameters.Add(Time("next", state.NextAttemptAt));
        command.Parameters.Add(P("error", state.LastError));
        command.Parameters.Add(P("consumer", state.Consumer));
        command.Parameters.Add(P("node", nodeId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
