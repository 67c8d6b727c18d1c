using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// One short transaction: the outcome and its attempt in one statement, guarded by
    /// <c>WHERE id = … AND state = 'in_flight' AND lease_token = …</c>. A delivered or dead outcome then locks its video
    /// version's row, so of two last deliveries finishing at once exactly one sees "all delivered", and writes the events
    /// (<c>video.distributed</c> and the distributed time once per version, like <c>video.failed</c>).
    /// </summary>
    public async Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.State == DeliveryState.InFlight)
        {
            throw new ArgumentException("a completion cannot leave a delivery in flight", nameof(completion));
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string videoId;
        int version;
        await using (var outcome = new NpgsqlCommand(CompleteSql, connection, transaction))
        {
            var attempt = completion.Attempt;
            var state = State(completion.State);
            outcome.Parameters.Add(P("id", completion.DeliveryId));
            outcome.Parameters.Add(P("token", completion.LeaseToken));
            outcome.Parameters.Add(P("state", state));
            outcome.Parameters.Add(P("counts", completion.CountsAsAttempt));
            outcome.Parameters.Add(Time("next", completion.State == DeliveryState.Queued ? completion.NextAttemptAt ?? completion.Now : null));
            outcome.Parameters.Add(P("error", completion.LastError));
            outcome.Parameters.Add(P("kind", completion.ErrorKind));
            outcome.Parameters.Add(P("bytes", completion.Bytes));
            outcome.Parameters.Add(P("sha", completion.Sha256));
            outcome.Parameters.Add(Time("now", completion.Now));
            outcome.Parameters.Add(P("has_attempt", attempt is not null));
            outcome.Parameters.Add(P("mode", attempt is null ? "async" : Mode(attempt.Mode)));
            outcome.Parameters.Add(P("succeeded", attempt?.Succeeded ?? false));
            outcome.Parameters.Add(P("attempt_error", attempt?.Error));
            outcome.Parameters.Add(P("attempt_kind", attempt?.ErrorKind));
            outcome.Parameters.Add(P("attempt_bytes", attempt?.Bytes ?? 0L));
            outcome.Parameters.Add(P("duration", attempt is null ? (long?)null : (long)Math.Round(attempt.Duration.TotalMilliseconds)));
            outcome.Parameters.Add(Time("started", attempt?.StartedAt ?? completion.Now));
            outcome.Parameters.Add(P("attempt_node", attempt?.NodeId ?? string.Empty));
            await using var reader = await outcome.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            videoId = reader.GetString(0);
            version = reader.GetInt32(1);
        }

        if (completion.State is DeliveryState.Delivered or DeliveryState.Dead)
        {
            await WriteVersionEventsAsync(connection, transaction, completion, videoId, version, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private const string CompleteSql =
        """
        WITH done AS (
            UPDATE deliveries SET
                state = @state,
                attempts = attempts + CASE WHEN @counts THEN 1 ELSE 0 END,
                next_attempt_at = @next,
                last_error = @error,
                error_kind = @kind,
                bytes = coalesce(@bytes, bytes),
                sha256 = coalesce(@sha, sha256),
                last_duration_ms = coalesce(@duration, last_duration_ms),
                delivered_at = CASE WHEN @state = 'delivered' THEN @now ELSE delivered_at END,
                resubmitted = resubmitted AND NOT @has_attempt,
                owner_node = NULL,
                lease_token = NULL,
                updated_at = @now
            WHERE id = @id AND state = 'in_flight' AND lease_token = @token
            RETURNING id, video_id, version, target),
        recorded AS (
            INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
            SELECT id, target, @mode, @succeeded, @attempt_error, @attempt_kind, @attempt_bytes, coalesce(@duration, 0), @started, @attempt_node
            FROM done WHERE @has_attempt)
        SELECT video_id, version FROM done
        """;

    private async Task WriteVersionEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeliveryCompletion completion, string videoId, int version, CancellationToken cancellationToken)
    {
        bool failedSent, distributedBefore;
        long pending;
        await using (var check = new NpgsqlBatch(connection, transaction))
        {
            check.BatchCommands.Add(new NpgsqlBatchCommand("SELECT failed_event_sent, distributed_at IS NOT NULL FROM video_versions WHERE video_id = @video AND version = @version FOR NO KEY UPDATE")
            {
                Parameters = { P("video", videoId), P("version", version) },
            });

            // A statement of its own: it reads after the lock is held, so it sees what the previous holder committed.
            check.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM deliveries WHERE video_id = @video AND version = @version AND state <> 'delivered'")
            {
                Parameters = { P("video", videoId), P("version", version) },
            });
            await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            failedSent = reader.GetBoolean(0);
            distributedBefore = reader.GetBoolean(1);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            pending = reader.GetInt64(0);
        }

        var events = new List<(string Type, Guid? Delivery)>();
        await using var write = new NpgsqlBatch(connection, transaction);
        if (completion.State == DeliveryState.Delivered && pending == 0 && !distributedBefore)
        {
            events.Add((EventTypes.VideoDistributed, null));
            write.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE video_versions SET distributed_at = @now WHERE video_id = @video AND version = @version")
            {
                Parameters = { Time("now", completion.Now), P("video", videoId), P("version", version) },
            });
        }
        else if (completion.State == DeliveryState.Dead)
        {
            events.Add((EventTypes.DeliveryDead, completion.DeliveryId));
            if (!failedSent)
            {
                events.Add((EventTypes.VideoFailed, null));
                write.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE video_versions SET failed_event_sent = true WHERE video_id = @video AND version = @version")
                {
                    Parameters = { P("video", videoId), P("version", version) },
                });
            }
        }

        if (events.Count == 0)
        {
            return;
        }

        AddEvents(write, events.Select(e => (e.Type, videoId, version, e.Delivery)).ToList(), completion.Now);
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the outbox inserts to <paramref name="batch"/>, after the event lock: held to commit, it makes event ids
    /// become visible in order, so a consumer that has read up to an id never misses a lower one.
    /// </summary>
    private void AddEvents(NpgsqlBatch batch, IReadOnlyList<(string Type, string VideoId, int Version, Guid? DeliveryId)> events, DateTimeOffset now)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { P("key", EventLockKey) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO events (type, video_id, version, delivery_id, created_at)
            SELECT e.type, e.video_id, e.version, e.delivery_id, @now FROM unnest(@types, @videos, @versions, @deliveries) WITH ORDINALITY AS e(type, video_id, version, delivery_id, n)
            ORDER BY e.n
            """)
        {
            Parameters =
            {
                Time("now", now),
                P("types", events.Select(e => e.Type).ToArray()),
                P("videos", events.Select(e => e.VideoId).ToArray()),
                P("versions", events.Select(e => e.Version).ToArray()),
                P("deliveries", events.Select(e => e.DeliveryId).ToArray()),
            },
        });
    }
}
