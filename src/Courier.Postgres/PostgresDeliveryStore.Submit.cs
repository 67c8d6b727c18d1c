using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    private const string ClaimedReturning = "d.id, d.video_id, d.version, d.rendition, d.target, d.attempts, d.lease_token, d.created_at, d.resubmitted, d.operation";

    /// <summary>
    /// One transaction, serialised per video by an advisory lock (two submissions of one video cannot both pick the next
    /// version number): finds the newest version and compares the content with it (same: that version; else a new one),
    /// upserts the renditions, supersedes older work at the targets, adds the missing deliveries queued (and the removals
    /// of dropped renditions at targets new to the version), and claims for the node those the claim rules allow.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(NewVideoVersion video, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        await using var connection = await OpenWithHeartbeatAsync(nodeId, now, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var newest = await LockVideoAsync(connection, transaction, video.VideoId, cancellationToken).ConfigureAwait(false);
        var isNewVersion = newest is not { Action: DeliveryOperations.Push } || newest.Value.Fingerprint != video.Fingerprint;
        var version = isNewVersion ? (newest?.Version ?? 0) + 1 : newest!.Value.Version;
        var targets = video.Targets.Distinct(StringComparer.Ordinal).ToArray();
        var pairs = (from rendition in video.Renditions from target in targets where video.Takes(target, rendition.Name) select (rendition.Name, Target: target)).ToList();
        string[] firstAt;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (isNewVersion)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    "INSERT INTO video_versions (video_id, version, fingerprint, action, submitted_at, available_from, available_until, ingest_started_at) VALUES (@video, @version, @fingerprint, 'push', @now, @from, @until, @ingest)")
                {
                    Parameters = { P("video", video.VideoId), P("version", version), P("fingerprint", video.Fingerprint), Time("now", now), Time("from", video.AvailableFrom), Time("until", video.AvailableUntil), Time("ingest", video.IngestStartedAt) },
                });
            }

            // A rendition this version had only as a dropped one (to remove) is now one of its own: its row takes the new content.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count, operation)
                SELECT @video, @version, r.name, (SELECT coalesce(max(ordinal) + 1, 0) FROM renditions WHERE video_id = @video AND version = @version) + r.ordinal,
                       r.source_path, r.kind, r.fingerprint, r.bytes, r.file_count, 'push'
                FROM unnest(@names, @ordinals, @paths, @kinds, @fingerprints, @bytes, @counts) AS r(name, ordinal, source_path, kind, fingerprint, bytes, file_count)
                ON CONFLICT (video_id, version, name) DO UPDATE SET
                    source_path = excluded.source_path, kind = excluded.kind, fingerprint = excluded.fingerprint,
                    bytes = excluded.bytes, file_count = excluded.file_count, operation = 'push'
                WHERE renditions.operation = 'remove'
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

            // Rule 2 at every target of the submission, and this version's own removals of the renditions it now pushes.
            batch.BatchCommands.Add(SupersedeCommand("video_id = @video AND target = ANY(@targets) AND version < @version", video.VideoId, version, now, P("targets", targets)));
            batch.BatchCommands.Add(SupersedeCommand(
                "video_id = @video AND version = @version AND operation = 'remove' AND (rendition, target) IN (SELECT * FROM unnest(@renditions, @pair_targets))",
                video.VideoId,
                version,
                now,
                P("renditions", pairs.Select(p => p.Name).ToArray()),
                P("pair_targets", pairs.Select(p => p.Target).ToArray())));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "SELECT t FROM unnest(@targets) AS t WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE video_id = @video AND target = t AND version = @version)")
            {
                Parameters = { P("video", video.VideoId), P("version", version), P("targets", targets) },
            });
            firstAt = await ReadLastResultAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        await using (var add = new NpgsqlBatch(connection, transaction))
        {
            add.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                WITH added AS (
                    INSERT INTO deliveries (id, video_id, version, rendition, target, operation, state, next_attempt_at, created_at, updated_at)
                    SELECT n.id, @video, @version, n.rendition, n.target, 'push', @state, @due, @now, @now
                    FROM unnest(@ids, @renditions, @targets) AS n(id, rendition, target)
                    ON CONFLICT (video_id, version, rendition, target, operation) DO NOTHING
                    RETURNING id)
                -- New deliveries (a new version, or new targets for one that was everywhere: it is not any more).
                UPDATE video_versions SET undelivered = undelivered + (SELECT count(*) FROM added), distributed_at = NULL
                WHERE video_id = @video AND version = @version AND EXISTS (SELECT 1 FROM added)
                """)
            {
                Parameters =
                {
                    P("video", video.VideoId), P("version", version), Time("now", now),

                    // A licence window that opens later: the deliveries wait scheduled, due when it opens.
                    P("state", video.IsScheduledAt(now) ? "scheduled" : "queued"),
                    Time("due", video.IsScheduledAt(now) ? video.AvailableFrom!.Value : now),
                    P("ids", pairs.Select(_ => Guid.CreateVersion7(now)).ToArray()),
                    P("renditions", pairs.Select(p => p.Name).ToArray()),
                    P("targets", pairs.Select(p => p.Target).ToArray()),
                },
            });
            if (firstAt.Length > 0)
            {
                AddDroppedRemovals(add, video.VideoId, version, firstAt, now);
            }

            await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var claimed = await ClaimVersionAsync(connection, transaction, video.VideoId, version, targets, video.Renditions.Select(r => r.Name).ToArray(), nodeId, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, isNewVersion, claimed);
    }
}
