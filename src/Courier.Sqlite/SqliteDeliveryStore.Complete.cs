using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.State is not (DeliveryState.Delivered or DeliveryState.Queued or DeliveryState.Dead))
        {
            throw new ArgumentException($"a completion must leave the delivery delivered, queued or dead, not {completion.State}", nameof(completion));
        }

        var at = SqliteMapping.Ms(completion.Now);
        var delivered = completion.State == DeliveryState.Delivered;
        var attempt = completion.Attempt;
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);

        // The lease-token guard: the outcome is written only by the holder of the current claim.
        string videoId, target;
        int version;
        await using (var update = SqliteMapping.Command(
            connection,
            transaction,
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
                delivered_at = CASE WHEN @delivered THEN @now ELSE delivered_at END,
                updated_at = @now
            WHERE id = @id AND state = 'in_flight' AND lease_token = @token
            RETURNING video_id, version, target
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
            ("@bytes", completion.Bytes),
            ("@sha256", completion.Sha256),
            ("@duration", attempt is null ? null : (long)attempt.Duration.TotalMilliseconds),
            ("@now", at)))
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            videoId = reader.GetString(0);
            version = reader.GetInt32(1);
            target = reader.GetString(2);
        }

        if (attempt is not null)
        {
            await using var record = SqliteMapping.Command(
                connection,
                transaction,
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

        if (delivered)
        {
            await using var distributed = SqliteMapping.Command(
                connection,
                transaction,
                """
                UPDATE video_versions SET distributed_at = @now
                WHERE video_id = @video AND version = @version AND distributed_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM deliveries WHERE video_id = @video AND version = @version AND state <> 'delivered')
                """,
                ("@video", videoId),
                ("@version", version),
                ("@now", at));
            if (await distributed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await AddEventAsync(connection, transaction, EventTypes.VideoDistributed, videoId, version, null, at, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (completion.State == DeliveryState.Dead)
        {
            await AddEventAsync(connection, transaction, EventTypes.DeliveryDead, videoId, version, completion.DeliveryId, at, cancellationToken).ConfigureAwait(false);
            await using var failed = SqliteMapping.Command(
                connection,
                transaction,
                "UPDATE video_versions SET failed_at = @now WHERE video_id = @video AND version = @version AND failed_at IS NULL",
                ("@video", videoId),
                ("@version", version),
                ("@now", at));
            if (await failed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await AddEventAsync(connection, transaction, EventTypes.VideoFailed, videoId, version, null, at, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task AddEventAsync(SqliteConnection connection, SqliteTransaction transaction, string type, string videoId, int version, Guid? deliveryId, long at, CancellationToken cancellationToken)
    {
        await using var insert = SqliteMapping.Command(
            connection,
            transaction,
            "INSERT INTO events (type, video_id, version, delivery_id, created_at) VALUES (@type, @video, @version, @delivery, @now)",
            ("@type", type),
            ("@video", videoId),
            ("@version", version),
            ("@delivery", deliveryId is { } id ? SqliteMapping.Id(id) : null),
            ("@now", at));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
