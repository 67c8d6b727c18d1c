using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.State is not (DeliveryState.Delivered or DeliveryState.Removed or DeliveryState.Queued or DeliveryState.Dead))
        {
            throw new ArgumentException($"a completion must leave the delivery delivered, removed, queued or dead, not {completion.State}", nameof(completion));
        }

        return await _writes.RunAsync((statements, token) => CompleteInAsync(statements, completion, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One outcome, inside a write transaction the caller commits (a group of outcomes share one, see <see cref="SqliteWriteGroup"/>).</summary>
    private static async Task<bool> CompleteInAsync(SqliteStatements statements, DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        var at = SqliteMapping.Ms(completion.Now);
        var delivered = completion.State == DeliveryState.Delivered;
        var done = delivered || completion.State == DeliveryState.Removed;
        var attempt = completion.Attempt;

        // The lease-token guard: the outcome is written only by the holder of the current claim. A push ends delivered and a
        // removal removed, never the other way round.
        string videoId, target, operation;
        int version;
        var update = statements.Command(
            """
            UPDATE deliveries SET
                state = @state,
                attempts = attempts + @counts,
                last_error = @error,
                error_kind = @kind,
                next_attempt_at = @next,
                lease_owner = NULL,
                lease_token = NULL,
                resubmitted = CASE WHEN @attempted THEN 0 ELSE resubmitted END,
                bytes = CASE WHEN @delivered THEN @bytes ELSE bytes END,
                sha256 = CASE WHEN @delivered THEN @sha256 ELSE sha256 END,
                last_duration_ms = coalesce(@duration, last_duration_ms),
                delivered_at = CASE WHEN @done THEN @now ELSE delivered_at END,
                updated_at = @now
            WHERE id = @id AND state = 'in_flight' AND lease_token = @token
              AND operation = CASE @state WHEN 'delivered' THEN 'push' WHEN 'removed' THEN 'remove' ELSE operation END
            RETURNING video_id, version, target, operation
            """,
            ("@id", SqliteMapping.Id(completion.DeliveryId)),
            ("@token", SqliteMapping.Id(completion.LeaseToken)),
            ("@state", SqliteMapping.State(completion.State)),
            ("@counts", completion.CountsAsAttempt ? 1 : 0),
            ("@error", delivered ? null : completion.LastError),
            ("@kind", delivered ? null : completion.ErrorKind),
            ("@next", completion.State == DeliveryState.Queued ? SqliteMapping.Ms(completion.NextAttemptAt ?? completion.Now) : null),
            ("@attempted", attempt is not null),
            ("@delivered", delivered),
            ("@done", done),
            ("@bytes", completion.Bytes),
            ("@sha256", completion.Sha256),
            ("@duration", attempt is null ? null : (long)attempt.Duration.TotalMilliseconds),
            ("@now", at));
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                await LetGoAsync(statements, completion, cancellationToken).ConfigureAwait(false);
                return false;
            }

            videoId = reader.GetString(0);
            version = reader.GetInt32(1);
            target = reader.GetString(2);
            operation = reader.GetString(3);
        }

        await RecordAttemptAsync(statements, completion, target, cancellationToken).ConfigureAwait(false);
        await UpsertFilesAsync(statements, completion.DeliveryId, completion.Files ?? [], cancellationToken).ConfigureAwait(false);
        if (done)
        {
            // The version's last delivery of its own kind (pushes of a publish, removals of a removal) is done: its
            // distributed time and event, once. Superseded deliveries are not waited for.
            var distributed = statements.Command(
                """
                UPDATE video_versions SET distributed_at = @now
                WHERE video_id = @video AND version = @version AND distributed_at IS NULL AND action = @operation
                  AND NOT EXISTS (SELECT 1 FROM deliveries WHERE video_id = @video AND version = @version AND operation = @operation AND state NOT IN (@state, 'superseded'))
                """,
                ("@video", videoId),
                ("@version", version),
                ("@operation", operation),
                ("@state", SqliteMapping.State(completion.State)),
                ("@now", at));
            if (await distributed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                var type = operation == DeliveryOperations.Remove ? EventTypes.VideoRemoved : EventTypes.VideoDistributed;
                await AddEventAsync(statements, type, videoId, version, null, at, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (completion.State == DeliveryState.Dead)
        {
            await AddEventAsync(statements, EventTypes.DeliveryDead, videoId, version, completion.DeliveryId, at, cancellationToken).ConfigureAwait(false);
            var failed = statements.Command(
                "UPDATE video_versions SET failed_at = @now WHERE video_id = @video AND version = @version AND failed_at IS NULL",
                ("@video", videoId),
                ("@version", version),
                ("@now", at));
            if (await failed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await AddEventAsync(statements, EventTypes.VideoFailed, videoId, version, null, at, cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>
    /// Rule 3: a delivery superseded while in flight is refused, but its node's completion lets go of the lease (and its
    /// attempt is recorded, committed with the group), so the newer work the lease held back may start. Nothing else of the
    /// row changes.
    /// </summary>
    private static async Task LetGoAsync(SqliteStatements statements, DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        var letGo = statements.Command(
            "UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE id = @id AND state = 'superseded' AND lease_token = @token RETURNING target",
            ("@id", SqliteMapping.Id(completion.DeliveryId)),
            ("@token", SqliteMapping.Id(completion.LeaseToken)),
            ("@now", SqliteMapping.Ms(completion.Now)));
        if (await letGo.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string held)
        {
            return;
        }

        await RecordAttemptAsync(statements, completion, held, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RecordAttemptAsync(SqliteStatements statements, DeliveryCompletion completion, string target, CancellationToken cancellationToken)
    {
        if (completion.Attempt is { } attempt)
        {
            var record = statements.Command(
                """
                INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
                VALUES (@delivery, @target, @mode, @succeeded, @error, @kind, @bytes, @duration, @started, @node)
                """,
                ("@delivery", SqliteMapping.Id(completion.DeliveryId)),
                ("@target", target),
                ("@mode", SqliteMapping.Mode(attempt.Mode)),
                ("@succeeded", attempt.Succeeded ? 1 : 0),
                ("@error", attempt.Error),
                ("@kind", attempt.ErrorKind),
                ("@bytes", attempt.Bytes),
                ("@duration", (long)attempt.Duration.TotalMilliseconds),
                ("@started", SqliteMapping.Ms(attempt.StartedAt)),
                ("@node", attempt.NodeId));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AddEventAsync(SqliteStatements statements, string type, string videoId, int version, Guid? deliveryId, long at, CancellationToken cancellationToken)
    {
        var insert = statements.Command(
            "INSERT INTO events (type, video_id, version, delivery_id, created_at) VALUES (@type, @video, @version, @delivery, @now)",
            ("@type", type),
            ("@video", videoId),
            ("@version", version),
            ("@delivery", deliveryId is { } id ? SqliteMapping.Id(id) : null),
            ("@now", at));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
