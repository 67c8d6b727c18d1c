using Courier.Core.Storage;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    public async Task<IReadOnlyList<ClaimedDelivery>> ListDeliveredAsync(string? target, string? videoId, int offset, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand(
            """
            SELECT d.id, d.video_id, d.version, d.rendition, r.source_path, r.kind, r.fingerprint, d.target, d.attempts,
                   '00000000-0000-0000-0000-000000000000'::uuid, d.created_at, d.resubmitted, d.operation, true, r.bytes, false
            FROM deliveries d
            JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
            WHERE d.state = 'delivered' AND (@target::text IS NULL OR d.target = @target) AND (@video::text IS NULL OR d.video_id = @video)
            ORDER BY d.id
            LIMIT @limit OFFSET @offset
            """);
        command.Parameters.Add(P("target", target));
        command.Parameters.Add(P("video", videoId));
        command.Parameters.Add(P("limit", limit));
        command.Parameters.Add(P("offset", Math.Max(0, offset)));
        var delivered = new List<ClaimedDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            delivered.Add(ReadClaim(reader));
        }

        return delivered;
    }

    /// <summary>
    /// One statement: the delivery back to <c>queued</c> (only from <c>delivered</c>, so under its row lock a racing reopen
    /// counts once), and its version's <c>undelivered</c> counter up by one with the distributed time cleared, so the
    /// completion that brings the counter back to 0 writes <c>video.distributed</c> again.
    /// </summary>
    public async Task<bool> ReopenDeliveredAsync(Guid deliveryId, string reason, string errorKind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            WITH reopened AS (
                UPDATE deliveries SET state = 'queued', next_attempt_at = @now, attempts = 0, last_error = @reason, error_kind = @kind,
                       lease_owner = NULL, lease_token = NULL, updated_at = @now, created_at = @now, deadline_missed_at = NULL
                WHERE id = @id AND state IN ('delivered', 'removed')
                RETURNING id, video_id, version, operation),
            forgotten AS (
                DELETE FROM delivery_files f USING reopened WHERE f.delivery_id = reopened.id),
            version AS (
                UPDATE video_versions v SET undelivered = v.undelivered + 1, distributed_at = NULL
                FROM reopened WHERE v.video_id = reopened.video_id AND v.version = reopened.version AND v.action = reopened.operation
                RETURNING v.video_id)
            SELECT count(*) FROM reopened
            """);
        command.Parameters.Add(P("id", deliveryId));
        command.Parameters.Add(P("reason", reason));
        command.Parameters.Add(P("kind", errorKind));
        command.Parameters.Add(Time("now", now));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }
}
