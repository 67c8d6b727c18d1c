using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// One transaction, serialised per video by an advisory lock (two submissions of one video cannot both pick the next
    /// version number): finds or adds the version, adds the missing deliveries in flight for the node, and claims the
    /// queued ones of this version to the given targets.
    /// </summary>
    private const string ClaimedReturning = "id, video_id, version, rendition, target, attempts, lease_token, created_at, resubmitted";

    public async Task<SubmitResult> SubmitAsync(NewVideoVersion video, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        int? existing = null;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { P("key", LockKey($"courier:{Schema}:video:{video.VideoId}")) } });
            batch.BatchCommands.Add(HeartbeatCommand(nodeId, now));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT version FROM video_versions WHERE video_id = @video AND fingerprint = @fingerprint")
            {
                Parameters = { P("video", video.VideoId), P("fingerprint", video.Fingerprint) },
            });
            // The lock's result, then (the heartbeat returns no rows and is skipped) the version.
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing = reader.GetInt32(0);
            }
        }

        int version;
        if (existing is { } found)
        {
            version = found;
        }
        else
        {
            await using var insert = new NpgsqlBatch(connection, transaction);
            insert.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO video_versions (video_id, version, fingerprint, submitted_at)
                SELECT @video, coalesce(max(version), 0) + 1, @fingerprint, @now FROM video_versions WHERE video_id = @video
                RETURNING version
                """)
            {
                Parameters = { P("video", video.VideoId), P("fingerprint", video.Fingerprint), Time("now", now) },
            });
            version = (int)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // The renditions, for a new version or added to an existing one (a rendition submitted under the same fingerprint
        // once its transcode is done, as ingest does): a rendition the version already has keeps its row.
        await using (var renditions = new NpgsqlBatch(connection, transaction))
        {
            renditions.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count)
                SELECT @video, @version, r.name, (SELECT coalesce(max(ordinal) + 1, 0) FROM renditions WHERE video_id = @video AND version = @version) + r.ordinal,
                       r.source_path, r.kind, r.fingerprint, r.bytes, r.file_count
                FROM unnest(@names, @ordinals, @paths, @kinds, @fingerprints, @bytes, @counts) AS r(name, ordinal, source_path, kind, fingerprint, bytes, file_count)
                ON CONFLICT (video_id, version, name) DO NOTHING
                """)
            {
                Parameters =
                {
                    P("video", video.VideoId),
                    P("version", version),
                    P("names", video.Renditions.Select(r => r.Name).ToArray()),
                    P("ordinals", Enumerable.Range(0, video.Renditions.Count).ToArray()),
                    P("paths", video.Renditions.Select(r => r.SourcePath).ToArray()),
                    P("kinds", video.Renditions.Select(r => Kind(r.Kind)).ToArray()),
                    P("fingerprints", video.Renditions.Select(r => r.Fingerprint).ToArray()),
                    P("bytes", video.Renditions.Select(r => r.Bytes).ToArray()),
                    P("counts", video.Renditions.Select(r => r.FileCount).ToArray()),
                },
            });
            await renditions.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var pairs = (from rendition in video.Renditions from target in video.Targets select (rendition.Name, target)).ToList();
        var claimed = new List<ClaimedDelivery>();
        await using (var claim = new NpgsqlBatch(connection, transaction))
        {
            claim.BatchCommands.Add(new NpgsqlBatchCommand(
                $"""
                WITH added AS (
                    INSERT INTO deliveries (id, video_id, version, rendition, target, state, lease_owner, lease_token, created_at, updated_at)
                    SELECT n.id, @video, @version, n.rendition, n.target, 'in_flight', @node, gen_random_uuid(), @now, @now
                    FROM unnest(@ids, @renditions, @targets) AS n(id, rendition, target)
                    ON CONFLICT (video_id, version, rendition, target) DO NOTHING
                    RETURNING {ClaimedReturning}),
                counted AS (
                    -- New deliveries (a new version, or new targets for one that was everywhere: it is not any more).
                    UPDATE video_versions SET undelivered = undelivered + (SELECT count(*) FROM added), distributed_at = NULL
                    WHERE video_id = @video AND version = @version AND EXISTS (SELECT 1 FROM added)),
                taken AS (
                    UPDATE deliveries SET state = 'in_flight', lease_owner = @node, lease_token = gen_random_uuid(), next_attempt_at = NULL, updated_at = @now
                    WHERE video_id = @video AND version = @version AND rendition = ANY(@renditions) AND target = ANY(@targets) AND state = 'queued'
                    RETURNING {ClaimedReturning})
                SELECT {ClaimColumns}
                FROM (SELECT * FROM added UNION ALL SELECT * FROM taken) d
                JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
                ORDER BY r.ordinal, array_position(@targets, d.target)
                """)
            {
                Parameters =
                {
                    P("video", video.VideoId), P("version", version), P("node", nodeId), Time("now", now),
                    P("ids", pairs.Select(_ => Guid.CreateVersion7(now)).ToArray()),
                    P("renditions", pairs.Select(p => p.Name).ToArray()),
                    P("targets", pairs.Select(p => p.target).ToArray()),
                },
            });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(ReadClaim(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, existing is null, claimed);
    }
}
