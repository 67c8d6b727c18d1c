using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// Outcomes that arrive at the same time are written together (<see cref="PostgresWriteBatcher{TItem, TResult}"/>): one
    /// transaction, one statement (<see cref="CompleteSql"/>) for up to 64 of them. Each outcome is still
    /// guarded on its own row by <c>WHERE id = … AND state = 'in_flight' AND lease_token = …</c>; its attempt and its files
    /// are written with it; the versions' counters move by the outcomes of the batch that count for them, so the outcome
    /// that brings a version's <c>undelivered</c> to 0 is the one whose statement writes <c>video.distributed</c>
    /// (<c>video.removed</c> for a removal version), exactly once. A push ends delivered and a removal removed, never the
    /// other way round. When the database refuses a batch (a deadlock with another node, a constraint), its outcomes are
    /// written again one by one, so one bad outcome fails alone. When an outcome is refused by its guard, a second
    /// statement (a fresh snapshot, so it sees a supersede that committed while the first one waited for the row) lets go
    /// of the lease of a delivery superseded while in flight, and records its attempt.
    /// </summary>
    public async Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.State is DeliveryState.InFlight or DeliveryState.Superseded)
        {
            throw new ArgumentException($"a completion cannot leave a delivery {State(completion.State)}", nameof(completion));
        }

        if (await _completions.RunAsync(completion, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        var attempt = completion.Attempt;
        await using var command = _dataSource.CreateCommand(LetGoSql);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            P("id", completion.DeliveryId),
            P("token", completion.LeaseToken),
            Time("now", completion.Now),
            P("has_attempt", attempt is not null),
            P("mode", attempt is null ? AttemptModes.Async : Mode(attempt.Mode)),
            P("succeeded", attempt?.Succeeded ?? false),
            P("attempt_error", attempt?.Error),
            P("attempt_kind", attempt?.ErrorKind),
            P("attempt_bytes", attempt?.Bytes ?? 0L),
            P("duration", Milliseconds(attempt)),
            Time("started", attempt?.StartedAt ?? completion.Now),
            P("attempt_node", attempt?.NodeId ?? string.Empty),
        });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static long? Milliseconds(AttemptRecord? attempt) => attempt is null ? null : (long)Math.Round(attempt.Duration.TotalMilliseconds);

    /// <summary>Writes a batch of outcomes; when the database refuses it as a whole, each again on its own.</summary>
    private async Task CompleteBatchAsync(IReadOnlyList<PostgresWriteBatcher<DeliveryCompletion, bool>.Pending> batch)
    {
        try
        {
            var accepted = await CompleteManyAsync(batch.Select(p => p.Item).ToList()).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(accepted.Contains(i));
            }
        }
        catch (PostgresException) when (batch.Count > 1)
        {
            // Nothing of the batch was written (one transaction): each outcome goes alone, and only a bad one fails.
            foreach (var pending in batch)
            {
                try
                {
                    pending.Result.TrySetResult((await CompleteManyAsync([pending.Item]).ConfigureAwait(false)).Count == 1);
                }
                catch (Exception e)
                {
                    pending.Result.TrySetException(e);
                }
            }
        }
    }

    /// <summary>Runs <see cref="CompleteSql"/> for <paramref name="completions"/>; answers the positions of those it wrote.</summary>
    private async Task<HashSet<int>> CompleteManyAsync(IReadOnlyList<DeliveryCompletion> completions)
    {
        var files = completions.SelectMany((c, i) => UniqueKeys(c.Files ?? []).Select(f => (Of: i + 1L, File: f))).ToList();
        T[] Each<T>(Func<DeliveryCompletion, T> value) => completions.Select(value).ToArray();

        await using var command = _dataSource.CreateCommand(CompleteSql);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            P("ids", Each(c => c.DeliveryId)),
            P("tokens", Each(c => c.LeaseToken)),
            P("states", Each(c => State(c.State))),
            P("counts", Each(c => c.CountsAsAttempt)),
            P("nexts", Each(c => c.State == DeliveryState.Queued ? Utc(c.NextAttemptAt ?? c.Now) : (DateTimeOffset?)null)),
            P("errors", Each(c => c.State == DeliveryState.Delivered ? null : c.LastError)),
            P("kinds", Each(c => c.State == DeliveryState.Delivered ? null : c.ErrorKind)),
            P("bytes", Each(c => c.Bytes)),
            P("shas", Each(c => c.Sha256)),
            P("nows", Each(c => Utc(c.Now))),
            P("has_attempts", Each(c => c.Attempt is not null)),
            P("modes", Each(c => c.Attempt is null ? AttemptModes.Async : Mode(c.Attempt.Mode))),
            P("succeeded", Each(c => c.Attempt?.Succeeded ?? false)),
            P("attempt_errors", Each(c => c.Attempt?.Error)),
            P("attempt_kinds", Each(c => c.Attempt?.ErrorKind)),
            P("attempt_bytes", Each(c => c.Attempt?.Bytes ?? 0L)),
            P("durations", Each(c => Milliseconds(c.Attempt))),
            P("started", Each(c => Utc(c.Attempt?.StartedAt ?? c.Now))),
            P("attempt_nodes", Each(c => c.Attempt?.NodeId ?? string.Empty)),
            P("file_of", files.Select(f => f.Of).ToArray()),
            P("file_keys", files.Select(f => f.File.Key).ToArray()),
            P("file_bytes", files.Select(f => f.File.Bytes).ToArray()),
            P("file_shas", files.Select(f => f.File.Sha256).ToArray()),
            Time("now", completions.Max(c => c.Now)),
            P("event_key", EventLockKey),
        });
        var accepted = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            accepted.Add((int)reader.GetInt64(0) - 1);
        }

        return accepted;
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

    /// <summary>
    /// A batch of outcomes, numbered 1…n in the order given (<c>c.n</c>); answers the numbers of those written. A version's
    /// row is updated (and so locked) once per batch by all of its outcomes together: of two batches finishing a version's
    /// last deliveries at once, the second waits, re-reads the counter the first left, and is the one that sees it reach 0.
    /// Events take the outbox lock (<see cref="EventLockKey"/>) before the first event id is drawn, and are written in the
    /// order of versions, then distributed/dead/failed, then outcome.
    /// </summary>
    private const string CompleteSql =
        """
        WITH c AS MATERIALIZED (
            SELECT * FROM unnest(@ids, @tokens, @states, @counts, @nexts, @errors, @kinds, @bytes, @shas, @nows, @has_attempts, @modes,
                                 @succeeded, @attempt_errors, @attempt_kinds, @attempt_bytes, @durations, @started, @attempt_nodes)
                WITH ORDINALITY AS c(id, token, state, counts, next, error, kind, bytes, sha, now, has_attempt, mode,
                                     succeeded, attempt_error, attempt_kind, attempt_bytes, duration, started, attempt_node, n)),
        done AS (
            UPDATE deliveries d SET
                state = c.state,
                attempts = d.attempts + CASE WHEN c.counts THEN 1 ELSE 0 END,
                next_attempt_at = c.next,
                last_error = c.error,
                error_kind = c.kind,
                bytes = CASE WHEN c.state = 'delivered' THEN c.bytes ELSE d.bytes END,
                sha256 = CASE WHEN c.state = 'delivered' THEN c.sha ELSE d.sha256 END,
                last_duration_ms = coalesce(c.duration, d.last_duration_ms),
                delivered_at = CASE WHEN c.state IN ('delivered', 'removed') THEN c.now ELSE d.delivered_at END,
                resubmitted = d.resubmitted AND NOT c.has_attempt,
                lease_owner = NULL,
                lease_token = NULL,
                updated_at = c.now
            FROM c
            -- The state is compared with a value PostgreSQL does not know while planning, so the rows are found by id
            -- (deliveries_pkey), never by reading every in-flight row through deliveries_in_flight, whose partial-index
            -- predicate a plain 'in_flight' would match: with statistics that saw few rows in flight, a generic plan read all
            -- of them (38 on average with 4 nodes, O(in flight)) for every batch.
            WHERE d.id = c.id AND d.state = (SELECT 'in_flight') AND d.lease_token = c.token
              AND d.operation = CASE c.state WHEN 'delivered' THEN 'push' WHEN 'removed' THEN 'remove' ELSE d.operation END
            RETURNING d.id, d.video_id, d.version, d.target, d.operation, c.n, c.state, c.has_attempt, c.mode, c.succeeded,
                      c.attempt_error, c.attempt_kind, c.attempt_bytes, c.duration, c.started, c.attempt_node),
        files AS (
            INSERT INTO delivery_files (delivery_id, key, bytes, sha256)
            SELECT done.id, f.key, f.bytes, f.sha256 FROM done JOIN unnest(@file_of, @file_keys, @file_bytes, @file_shas) AS f(n, key, bytes, sha256) ON f.n = done.n
            ON CONFLICT (delivery_id, key) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256),
        locked AS MATERIALIZED (
            -- The versions the batch's outcomes count for, locked in one order (video, version) before any is updated
            -- (versions below waits for this), so batches of several nodes that share versions wait for each other
            -- instead of deadlocking, which they did (1 s each, PostgreSQL's deadlock timeout) when each locked its
            -- versions in the order of its join and took the outbox lock between two of them. The deliveries are locked
            -- before their versions, as a supersede and a reopen lock them.
            SELECT v.video_id, v.version FROM video_versions v
            WHERE (v.video_id, v.version) IN (SELECT video_id, version FROM done WHERE state IN ('delivered', 'removed', 'dead'))
            ORDER BY v.video_id, v.version
            FOR NO KEY UPDATE OF v),
        recorded AS (
            INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
            SELECT id, target, mode, succeeded, attempt_error, attempt_kind, attempt_bytes, coalesce(duration, 0), started, attempt_node
            FROM done WHERE has_attempt ORDER BY n),
        landed AS (
            -- Only the version's own kind of work counts: the pushes of a publish, the removals of a removal (a push ends
            -- delivered and a removal removed, never the other way round).
            SELECT video_id, version,
                   count(*) FILTER (WHERE state = 'delivered') AS pushed,
                   count(*) FILTER (WHERE state = 'removed') AS removed,
                   count(*) FILTER (WHERE state = 'dead') AS dead
            FROM done WHERE state IN ('delivered', 'removed', 'dead')
            GROUP BY video_id, version),
        versions AS (
            UPDATE video_versions v SET
                undelivered = v.undelivered - CASE v.action WHEN 'push' THEN l.pushed ELSE l.removed END,
                distributed_at = CASE WHEN CASE v.action WHEN 'push' THEN l.pushed ELSE l.removed END > 0
                                           AND v.undelivered = CASE v.action WHEN 'push' THEN l.pushed ELSE l.removed END
                                      THEN @now ELSE v.distributed_at END,
                deaths = v.deaths + l.dead
            FROM landed l
            WHERE v.video_id = l.video_id AND v.version = l.version AND (SELECT count(*) FROM locked) > 0
            RETURNING v.video_id, v.version, v.action,
                      CASE v.action WHEN 'push' THEN l.pushed ELSE l.removed END > 0 AND v.undelivered = 0 AS distributed,
                      l.dead > 0 AND v.deaths = l.dead AS failed),
        due AS (
            -- The outbox lock is an initplan, run at the first event row only: batches without events do not take it.
            SELECT e.*, (SELECT 1 FROM pg_advisory_xact_lock(@event_key)) AS locked
            FROM (
                SELECT video_id, version, 1 AS k, 0::bigint AS n, CASE action WHEN 'remove' THEN 'video.removed' ELSE 'video.distributed' END AS type, NULL::uuid AS delivery_id
                FROM versions WHERE distributed
                UNION ALL
                SELECT done.video_id, done.version, 2, done.n, 'delivery.dead', done.id
                FROM done JOIN versions ON versions.video_id = done.video_id AND versions.version = done.version WHERE done.state = 'dead'
                UNION ALL
                SELECT video_id, version, 3, 0, 'video.failed', NULL
                FROM versions WHERE failed) AS e),
        written AS (
            INSERT INTO events (type, video_id, version, delivery_id, created_at)
            SELECT type, video_id, version, delivery_id, @now FROM due WHERE locked = 1 ORDER BY video_id, version, k, n)
        SELECT n FROM done
        """;
}
