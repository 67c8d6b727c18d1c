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

        int version;
        bool isNewVersion;
        await using (var find = SqliteMapping.Command(connection, transaction, "SELECT version FROM video_versions WHERE video_id = @video AND fingerprint = @fingerprint", ("@video", video.VideoId), ("@fingerprint", video.Fingerprint)))
        {
            var found = await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            isNewVersion = found is null;
            version = found is null ? 0 : Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (isNewVersion)
        {
            await using var insert = SqliteMapping.Command(
                connection,
                transaction,
                """
                INSERT INTO video_versions (video_id, version, fingerprint, submitted_at)
                VALUES (@video, (SELECT coalesce(max(version), 0) + 1 FROM video_versions WHERE video_id = @video), @fingerprint, @now)
                RETURNING version
                """,
                ("@video", video.VideoId),
                ("@fingerprint", video.Fingerprint),
                ("@now", at));
            version = Convert.ToInt32(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using (var rendition = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO renditions (video_id, version, name, source_path, kind, fingerprint, bytes, file_count)
            VALUES (@video, @version, @name, @path, @kind, @fingerprint, @bytes, @files)
            ON CONFLICT (video_id, version, name) DO NOTHING
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

        var added = 0;
        var claimedIds = new List<string>();
        await using (var insert = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, lease_owner, lease_token, created_at, updated_at)
            VALUES (@id, @video, @version, @rendition, @target, 'in_flight', 0, @node, @token, @now, @now)
            ON CONFLICT (video_id, version, rendition, target) DO NOTHING
            """,
            ("@id", null),
            ("@video", video.VideoId),
            ("@version", version),
            ("@rendition", null),
            ("@target", null),
            ("@node", nodeId),
            ("@token", null),
            ("@now", at)))
        await using (var claim = SqliteMapping.Command(
            connection,
            transaction,
            """
            UPDATE deliveries SET state = 'in_flight', lease_owner = @node, lease_token = @token, next_attempt_at = NULL, updated_at = @now
            WHERE video_id = @video AND version = @version AND rendition = @rendition AND target = @target AND state = 'queued'
            RETURNING id
            """,
            ("@video", video.VideoId),
            ("@version", version),
            ("@rendition", null),
            ("@target", null),
            ("@node", nodeId),
            ("@token", null),
            ("@now", at)))
        {
            foreach (var r in video.Renditions)
            {
                foreach (var target in video.Targets.Distinct(StringComparer.Ordinal))
                {
                    var id = SqliteMapping.Id(Guid.NewGuid());
                    insert.Parameters["@id"].Value = id;
                    insert.Parameters["@rendition"].Value = r.Name;
                    insert.Parameters["@target"].Value = target;
                    insert.Parameters["@token"].Value = SqliteMapping.Id(Guid.NewGuid());
                    var inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    added += inserted;
                    if (inserted == 1)
                    {
                        claimedIds.Add(id);
                        continue;
                    }

                    claim.Parameters["@rendition"].Value = r.Name;
                    claim.Parameters["@target"].Value = target;
                    claim.Parameters["@token"].Value = SqliteMapping.Id(Guid.NewGuid());
                    if (await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string requeued)
                    {
                        claimedIds.Add(requeued);
                    }
                }
            }
        }

        if (added > 0 && !isNewVersion)
        {
            // New targets for a version that was distributed: it is no longer everywhere until they are delivered too.
            await using var reopen = SqliteMapping.Command(connection, transaction, "UPDATE video_versions SET distributed_at = NULL WHERE video_id = @video AND version = @version", ("@video", video.VideoId), ("@version", version));
            await reopen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await HeartbeatAsync(connection, transaction, nodeId, at, cancellationToken).ConfigureAwait(false);

        var claimed = new List<ClaimedDelivery>();
        await using (var select = SqliteMapping.Command(
            connection,
            transaction,
            $"""
            {ClaimedSelect}
            WHERE d.id IN (SELECT value FROM json_each(@ids))
            ORDER BY d.rendition, d.target
            """,
            ("@ids", SqliteMapping.JsonArray(claimedIds))))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(SqliteMapping.ReadClaim(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, isNewVersion, claimed);
    }

    private static async Task HeartbeatAsync(SqliteConnection connection, SqliteTransaction transaction, string nodeId, long at, CancellationToken cancellationToken)
    {
        await using var beat = SqliteMapping.Command(
            connection,
            transaction,
            "INSERT INTO nodes (node_id, heartbeat_at) VALUES (@node, @now) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = max(heartbeat_at, excluded.heartbeat_at)",
            ("@node", nodeId),
            ("@now", at));
        await beat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
