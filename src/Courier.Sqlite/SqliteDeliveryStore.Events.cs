using Courier.Core.Storage;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<IReadOnlyList<DeliveryView>> MarkDeadlineMissedAsync(DateTimeOffset createdBefore, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        List<DeliveryView> missed;
        await using (var mark = SqliteMapping.Command(
            connection,
            transaction,
            """
            UPDATE deliveries SET deadline_missed_at = @now
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE state NOT IN ('delivered', 'superseded', 'removed', 'scheduled') AND deadline_missed_at IS NULL AND created_at < @before
                ORDER BY created_at
                LIMIT @limit)
            RETURNING id, video_id, version, rendition, target, state, attempts, last_error, error_kind, next_attempt_at,
                      bytes, last_duration_ms, created_at, updated_at, delivered_at, operation
            """,
            ("@now", at),
            ("@before", SqliteMapping.Ms(createdBefore)),
            ("@limit", Math.Max(0, limit))))
        {
            missed = await ReadDeliveriesAsync(mark, cancellationToken).ConfigureAwait(false);
        }

        missed.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Id.CompareTo(b.Id));
        await using var statements = new SqliteStatements(connection) { Transaction = transaction };
        foreach (var delivery in missed)
        {
            await AddEventAsync(statements, EventTypes.DeadlineMissed, delivery.VideoId, delivery.Version, delivery.Id, at, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return missed;
    }

    public async Task<bool> AddAvailableAsync(Guid deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The record in available_targets (kept for good; the event is pruned with the outbox) decides "once per version
        // and target"; the event is written only with a new record.
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        await using var insert = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO available_targets (video_id, version, target, delivery_id, available_at)
            SELECT d.video_id, d.version, d.target, d.id, @now FROM deliveries d WHERE d.id = @delivery
            ON CONFLICT (video_id, version, target) DO NOTHING
            RETURNING video_id, version
            """,
            ("@delivery", SqliteMapping.Id(deliveryId)),
            ("@now", SqliteMapping.Ms(now)));
        (string VideoId, int Version)? added = null;
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                added = (reader.GetString(0), reader.GetInt32(1));
            }
        }

        if (added is { } version)
        {
            await using var statements = new SqliteStatements(connection) { Transaction = transaction };
            await AddEventAsync(statements, EventTypes.VideoAvailable, version.VideoId, version.Version, deliveryId, SqliteMapping.Ms(now), cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added is not null;
    }

    public async Task<IReadOnlyList<CourierEvent>> ReadEventsAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            "SELECT id, type, video_id, version, delivery_id, created_at FROM events WHERE id > @after ORDER BY id LIMIT @limit",
            ("@after", afterId),
            ("@limit", Math.Max(0, limit)));
        var events = new List<CourierEvent>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new CourierEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt32(3),
                reader.IsDBNull(4) ? null : Guid.Parse(reader.GetString(4)),
                SqliteMapping.Time(reader.GetInt64(5))));
        }

        return events;
    }

    public async Task<ConsumerState?> TryLeaseConsumerAsync(string consumer, string nodeId, DateTimeOffset now, TimeSpan leaseFor, CancellationToken cancellationToken)
    {
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);

        // A new consumer starts at the last event id ever written (sqlite_sequence survives pruning): no flood of history.
        await using (var create = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO event_consumers (consumer, position, attempts)
            VALUES (@consumer, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), 0)
            ON CONFLICT (consumer) DO NOTHING
            """,
            ("@consumer", consumer)))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        ConsumerState? state = null;
        await using (var lease = SqliteMapping.Command(
            connection,
            transaction,
            """
            UPDATE event_consumers SET lease_owner = @node, lease_until = @until
            WHERE consumer = @consumer AND (lease_owner IS NULL OR lease_owner = @node OR lease_until <= @now)
            RETURNING consumer, position, attempts, next_attempt_at, last_error
            """,
            ("@consumer", consumer),
            ("@node", nodeId),
            ("@now", at),
            ("@until", SqliteMapping.Ms(now + leaseFor))))
        await using (var reader = await lease.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                state = new ConsumerState(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2), SqliteMapping.NullableTime(reader, 3), SqliteMapping.NullableString(reader, 4));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return state;
    }

    public Task<bool> SaveConsumerAsync(string nodeId, ConsumerState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return SaveAsync();

        async Task<bool> SaveAsync() => await WriteAsync(
            """
            UPDATE event_consumers SET position = @position, attempts = @attempts, next_attempt_at = @next, last_error = @error
            WHERE consumer = @consumer AND lease_owner = @node
            """,
            cancellationToken,
            ("@consumer", state.Consumer),
            ("@node", nodeId),
            ("@position", state.Position),
            ("@attempts", state.Attempts),
            ("@next", SqliteMapping.Ms(state.NextAttemptAt)),
            ("@error", state.LastError)).ConfigureAwait(false) == 1;
    }
}
