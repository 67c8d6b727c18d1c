using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<IReadOnlyList<ClaimedDelivery>> ListDeliveredAsync(string? target, string? videoId, int offset, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT d.id, d.video_id, d.version, d.rendition, r.source_path, r.kind, r.fingerprint, d.target, d.attempts, @empty, d.created_at, d.resubmitted, d.operation, 1, r.bytes, 0
            FROM deliveries d
            JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
            WHERE d.state = 'delivered' AND (@target IS NULL OR d.target = @target) AND (@video IS NULL OR d.video_id = @video)
            ORDER BY d.id
            LIMIT @limit OFFSET @offset
            """,
            ("@empty", SqliteMapping.Id(Guid.Empty)),
            ("@target", target),
            ("@video", videoId),
            ("@limit", limit),
            ("@offset", Math.Max(0, offset)));
        var delivered = new List<ClaimedDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            delivered.Add(SqliteMapping.ReadClaim(reader));
        }

        return delivered;
    }

    public async Task<bool> ReopenDeliveredAsync(Guid deliveryId, string reason, string errorKind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        string? videoId = null;
        var version = 0;
        var operation = DeliveryOperations.Push;
        await using (var reopen = SqliteMapping.Command(
            connection,
            transaction,
            """
            UPDATE deliveries SET state = 'queued', next_attempt_at = @now, attempts = 0, last_error = @reason, error_kind = @kind,
                lease_owner = NULL, lease_token = NULL, updated_at = @now, created_at = @now, deadline_missed_at = NULL
            WHERE id = @id AND state IN ('delivered', 'removed')
            RETURNING video_id, version, operation
            """,
            ("@id", SqliteMapping.Id(deliveryId)),
            ("@reason", reason),
            ("@kind", errorKind),
            ("@now", at)))
        await using (var reader = await reopen.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                videoId = reader.GetString(0);
                version = reader.GetInt32(1);
                operation = reader.GetString(2);
            }
        }

        if (videoId is null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        // What the delivery recorded no longer proves anything: the next push checks every file again.
        await using (var forget = SqliteMapping.Command(connection, transaction, "DELETE FROM delivery_files WHERE delivery_id = @id", ("@id", SqliteMapping.Id(deliveryId))))
        {
            await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var undistribute = SqliteMapping.Command(
            connection,
            transaction,
            "UPDATE video_versions SET distributed_at = NULL WHERE video_id = @video AND version = @version AND action = @operation",
            ("@video", videoId),
            ("@version", version),
            ("@operation", operation)))
        {
            await undistribute.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
