using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<SubmitResult> SubmitAsync(NewVideoVersion video, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);

        // Content is compared with the newest version only: anything else, an older version's content included, is N+1.
        var newest = await NewestVersionAsync(connection, transaction, video.VideoId, cancellationToken).ConfigureAwait(false);
        var isNewVersion = newest is not { Action: DeliveryOperations.Push } || newest.Value.Fingerprint != video.Fingerprint;
        var version = isNewVersion ? (newest?.Version ?? 0) + 1 : newest!.Value.Version;
        if (isNewVersion)
        {
            await using var insert = SqliteMapping.Command(
                connection,
                transaction,
                "INSERT INTO video_versions (video_id, version, fingerprint, action, submitted_at, available_from, available_until, ingest_started_at) VALUES (@video, @version, @fingerprint, 'push', @now, @from, @until, @ingest)",
                ("@video", video.VideoId),
                ("@version", version),
                ("@fingerprint", video.Fingerprint),
                ("@now", at),
                ("@from", video.AvailableFrom is { } from ? SqliteMapping.Ms(from) : (object?)null),
                ("@until", video.AvailableUntil is { } until ? SqliteMapping.Ms(until) : (object?)null),
                ("@ingest", video.IngestStartedAt is { } ingest ? SqliteMapping.Ms(ingest) : (object?)null));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A rendition this version had only as a dropped one (to remove) is now one of its own: its row takes the new content.
        await using (var rendition = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO renditions (video_id, version, name, source_path, kind, fingerprint, bytes, file_count, operation)
            VALUES (@video, @version, @name, @path, @kind, @fingerprint, @bytes, @files, 'push')
            ON CONFLICT (video_id, version, name) DO UPDATE SET
                source_path = excluded.source_path, kind = excluded.kind, fingerprint = excluded.fingerprint,
                bytes = excluded.bytes, file_count = excluded.file_count, operation = 'push'
            WHERE renditions.operation = 'remove'
            """,
            ("@video", video.VideoId),
            ("@version", version),
            ("@name", null),
            ("@path", null),
            ("@kind", null),
            ("@fingerprint", null),
            ("@bytes", null),
            ("@files", null)))
        {
            foreach (var r in video.Renditions)
            {
                rendition.Parameters["@name"].Value = r.Name;
                rendition.Parameters["@path"].Value = r.SourcePath;
                rendition.Parameters["@kind"].Value = SqliteMapping.Kind(r.Kind);
                rendition.Parameters["@fingerprint"].Value = r.Fingerprint;
                rendition.Parameters["@bytes"].Value = r.Bytes;
                rendition.Parameters["@files"].Value = r.FileCount;
                await rendition.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var targets = video.Targets.Distinct(StringComparer.Ordinal).ToList();
        var added = 0;
        foreach (var target in targets)
        {
            await SupersedeOlderAsync(connection, transaction, video.VideoId, version, target, at, cancellationToken).ConfigureAwait(false);
            var firstAtTarget = !await HasDeliveryAtAsync(connection, transaction, video.VideoId, version, target, cancellationToken).ConfigureAwait(false);
            foreach (var r in video.Renditions.Where(r => video.Takes(target, r.Name)))
            {
                // This version's own removal of the rendition (dropped when the version was first committed) gives way to its push.
                await SupersedeAsync(
                    connection,
                    transaction,
                    "video_id = @video AND version = @version AND rendition = @rendition AND target = @target AND operation = 'remove'",
                    version,
                    at,
                    cancellationToken,
                    ("@video", video.VideoId),
                    ("@version", version),
                    ("@rendition", r.Name),
                    ("@target", target)).ConfigureAwait(false);
                added += video.IsScheduledAt(now)
                    ? await AddScheduledAsync(connection, transaction, video.VideoId, version, r.Name, target, SqliteMapping.Ms(video.AvailableFrom!.Value), at, cancellationToken).ConfigureAwait(false)
                    : await AddQueuedAsync(connection, transaction, video.VideoId, version, r.Name, target, DeliveryOperations.Push, at, cancellationToken).ConfigureAwait(false);
            }

            if (firstAtTarget)
            {
                await AddDroppedRemovalsAsync(connection, transaction, video.VideoId, version, target, at, cancellationToken).ConfigureAwait(false);
            }
        }

        if (added > 0 && !isNewVersion)
        {
            // New targets for a version that was distributed: it is no longer everywhere until they are delivered too.
            await using var reopen = SqliteMapping.Command(connection, transaction, "UPDATE video_versions SET distributed_at = NULL WHERE video_id = @video AND version = @version", ("@video", video.VideoId), ("@version", version));
            await reopen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var claimed = await ClaimVersionAsync(connection, transaction, video.VideoId, version, targets, video.Renditions.Select(r => r.Name).ToList(), nodeId, at, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, isNewVersion, claimed);
    }

    private static async Task HeartbeatAsync(SqliteStatements statements, string nodeId, long at, CancellationToken cancellationToken)
    {
        var beat = statements.Command(
            "INSERT INTO nodes (node_id, heartbeat_at) VALUES (@node, @now) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = max(heartbeat_at, excluded.heartbeat_at)",
            ("@node", nodeId),
            ("@now", at));
        await beat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
