using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// One statement, atomic on its own (an implicit transaction), pipelined with the other writes this store sends at the
    /// same time (<see cref="PostgresStatementBatcher"/>): the outcome guarded by
    /// <c>WHERE id = … AND state = 'in_flight' AND lease_token = …</c>, its attempt, its files, the version's counters, and the events.
    /// The version's row is updated (and so locked) by every delivered or dead outcome: of two last deliveries finishing at
    /// once, the second waits, re-reads the counter the first left, and is the one that sees it reach 0 and writes
    /// <c>video.distributed</c> (<c>video.removed</c> for a removal version). Events take the outbox lock first
    /// (<see cref="EventLockKey"/>). A push ends delivered and a removal removed, never the other way round. When the
    /// outcome is refused, a second statement (a fresh snapshot, so it sees a supersede that committed while the first one
    /// waited for the row) lets go of the lease of a delivery superseded while in flight, and records its attempt.
    /// </summary>
    public async Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.State is DeliveryState.InFlight or DeliveryState.Superseded)
        {
            throw new ArgumentException($"a completion cannot leave a delivery {State(completion.State)}", nameof(completion));
        }

        var batched = new NpgsqlBatchCommand(CompleteSql);
        batched.Parameters.AddRange(CompletionParameters(completion));
        if ((long)(await _writes.ScalarAsync(batched, cancellationToken).ConfigureAwait(false))! == 1)
        {
            return true;
        }

        await using var command = _dataSource.CreateCommand(LetGoSql);
        command.Parameters.AddRange(CompletionParameters(completion));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private NpgsqlParameter[] CompletionParameters(DeliveryCompletion completion)
    {
        var attempt = completion.Attempt;
        var files = UniqueKeys(completion.Files ?? []);
        return
        [
            P("id", completion.DeliveryId),
            P("token", completion.LeaseToken),
            P("state", State(completion.State)),
            P("counts", completion.CountsAsAttempt),
            Time("next", completion.State == DeliveryState.Queued ? completion.NextAttemptAt ?? completion.Now : null),
            P("error", completion.State == DeliveryState.Delivered ? null : completion.LastError),
            P("kind", completion.State == DeliveryState.Delivered ? null : completion.ErrorKind),
            P("bytes", completion.Bytes),
            P("sha", completion.Sha256),
            Time("now", completion.Now),
            P("has_attempt", attempt is not null),
            P("mode", attempt is null ? AttemptModes.Async : Mode(attempt.Mode)),
            P("succeeded", attempt?.Succeeded ?? false),
            P("attempt_error", attempt?.Error),
            P("attempt_kind", attempt?.ErrorKind),
            P("attempt_bytes", attempt?.Bytes ?? 0L),
            P("duration", attempt is null ? (long?)null : (long)Math.Round(attempt.Duration.TotalMilliseconds)),
            Time("started", attempt?.StartedAt ?? completion.Now),
            P("attempt_node", attempt?.NodeId ?? string.Empty),
            P("event_key", EventLockKey),
            P("file_keys", files.Select(f => f.Key).ToArray()),
            P("file_bytes", files.Select(f => f.Bytes).ToArray()),
            P("file_shas", files.Select(f => f.Sha256).ToArray()),
        ];
    }

    private const string LetGoSql =
        """
        WITH released AS (
            UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE id = @id AND state = 'superseded' AND lease_token = @token
            RETURNING id, target)
        INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
        SELECT id, target, @mode, @succeeded, @attempt_error, @attempt_kind, @attempt_bytes, coalesce(@duration, 0), @started, @attempt_node
        FROM released WHERE @has_attempt
        """;

    private const string CompleteSql =
        """
        WITH done AS (
            UPDATE deliveries SET
                state = @state,
                attempts = attempts + CASE WHEN @counts THEN 1 ELSE 0 END,
                next_attempt_at = @next,
                last_error = @error,
                error_kind = @kind,
                bytes = CASE WHEN @state = 'delivered' THEN @bytes ELSE bytes END,
                sha256 = CASE WHEN @state = 'delivered' THEN @sha ELSE sha256 END,
                last_duration_ms = coalesce(@duration, last_duration_ms),
                delivered_at = CASE WHEN @state IN ('delivered', 'removed') THEN @now ELSE delivered_at END,
                resubmitted = resubmitted AND NOT @has_attempt,
                lease_owner = NULL,
                lease_token = NULL,
                updated_at = @now
            WHERE id = @id AND state = 'in_flight' AND lease_token = @token
              AND operation = CASE @state WHEN 'delivered' THEN 'push' WHEN 'removed' THEN 'remove' ELSE operation END
            RETURNING id, video_id, version, target, operation),
        files AS (
            INSERT INTO delivery_files (delivery_id, key, bytes, sha256)
            SELECT done.id, f.key, f.bytes, f.sha256 FROM done CROSS JOIN unnest(@file_keys, @file_bytes, @file_shas) AS f(key, bytes, sha256)
            ON CONFLICT (delivery_id, key) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256),
        recorded AS (
            INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
            SELECT id, target, @mode, @succeeded, @attempt_error, @attempt_kind, @attempt_bytes, coalesce(@duration, 0), @started, @attempt_node
            FROM done WHERE @has_attempt),
        version AS (
            -- Only the version's own kind of work counts: the pushes of a publish, the removals of a removal.
            UPDATE video_versions v SET
                undelivered = v.undelivered - CASE WHEN @state IN ('delivered', 'removed') AND v.action = done.operation THEN 1 ELSE 0 END,
                distributed_at = CASE WHEN @state IN ('delivered', 'removed') AND v.action = done.operation AND v.undelivered = 1 THEN @now ELSE v.distributed_at END,
                deaths = v.deaths + CASE WHEN @state = 'dead' THEN 1 ELSE 0 END
            FROM done
            WHERE v.video_id = done.video_id AND v.version = done.version AND @state IN ('delivered', 'removed', 'dead')
            RETURNING v.video_id, v.version, done.id AS delivery_id, v.action,
                      @state IN ('delivered', 'removed') AND v.action = done.operation AND v.undelivered = 0 AS distributed,
                      @state = 'dead' AS dead,
                      @state = 'dead' AND v.deaths = 1 AS failed),
        due AS (
            -- The outbox lock is an initplan, run at the first event row only: outcomes without events do not take it.
            SELECT e.n, e.type, version.video_id, version.version, e.delivery_id, (SELECT 1 FROM pg_advisory_xact_lock(@event_key)) AS locked
            FROM version CROSS JOIN LATERAL (VALUES
                (1, CASE version.action WHEN 'remove' THEN 'video.removed' ELSE 'video.distributed' END, NULL::uuid, version.distributed),
                (2, 'delivery.dead', version.delivery_id, version.dead),
                (3, 'video.failed', NULL::uuid, version.failed)) AS e(n, type, delivery_id, wanted)
            WHERE e.wanted),
        written AS (
            INSERT INTO events (type, video_id, version, delivery_id, created_at)
            SELECT type, video_id, version, delivery_id, @now FROM due WHERE locked = 1 ORDER BY n)
        SELECT count(*) FROM done
        """;
}
