using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>Versions that supersede, removal, the files a push left at its target, and which version each target holds.</summary>
internal sealed partial class SqliteDeliveryStore
{
    /// <summary>
    /// The claim rules, for a queued row of the unaliased table <c>deliveries</c>: it is not handed out while a delivery of a
    /// newer version of its video to its target exists, while a superseded delivery of the video to the target still holds a
    /// lease (an older push is still writing), or, when it removes a rendition its publish version dropped, while a push of
    /// that version to the target is not delivered yet. Each look is a short range of <c>deliveries_video_target</c> or of
    /// <c>deliveries_superseded_leases</c>.
    /// </summary>
    internal const string ClaimRules =
        """
        NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.video_id = deliveries.video_id AND n.target = deliveries.target AND n.version > deliveries.version)
        AND NOT EXISTS (SELECT 1 FROM deliveries s WHERE s.video_id = deliveries.video_id AND s.target = deliveries.target AND s.state = 'superseded' AND s.lease_token IS NOT NULL)
        AND NOT (deliveries.operation = 'remove'
            AND EXISTS (SELECT 1 FROM video_versions v WHERE v.video_id = deliveries.video_id AND v.version = deliveries.version AND v.action = 'push')
            AND EXISTS (SELECT 1 FROM deliveries p WHERE p.video_id = deliveries.video_id AND p.target = deliveries.target AND p.version = deliveries.version
                        AND p.operation = 'push' AND p.state <> 'delivered'))
        """;

    /// <summary>The newest version of a video: its number, fingerprint and action word, or null when there is none.</summary>
    private static async Task<(int Version, string Fingerprint, string Action)?> NewestVersionAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, CancellationToken cancellationToken)
    {
        await using var find = SqliteMapping.Command(
            connection,
            transaction,
            "SELECT version, fingerprint, action FROM video_versions WHERE video_id = @video ORDER BY version DESC LIMIT 1",
            ("@video", videoId));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    /// <summary>Rule 2: committing <paramref name="version"/> for <paramref name="target"/> supersedes the older versions' work there that is not done.</summary>
    private static Task<int> SupersedeOlderAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string target, long at, CancellationToken cancellationToken) =>
        SupersedeAsync(
            connection,
            transaction,
            "video_id = @video AND target = @target AND version < @version",
            version,
            at,
            cancellationToken,
            ("@video", videoId),
            ("@target", target),
            ("@version", version));

    /// <summary>
    /// The deliveries <paramref name="where"/> selects that are queued, in flight, dead or scheduled become superseded. An in-flight one
    /// keeps its lease: its node is still writing, and the row holds the keys until the node lets go.
    /// </summary>
    private static async Task<int> SupersedeAsync(SqliteConnection connection, SqliteTransaction transaction, string where, int byVersion, long at, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var supersede = SqliteMapping.Command(
            connection,
            transaction,
            $"""
            UPDATE deliveries SET state = 'superseded', error_kind = 'superseded', last_error = 'superseded by version ' || @by,
                next_attempt_at = NULL, updated_at = @now
            WHERE {where} AND state IN ('queued', 'in_flight', 'dead', 'scheduled')
            """,
            [.. parameters, ("@by", byVersion), ("@now", at)]);
        return await supersede.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> HasDeliveryAtAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string target, CancellationToken cancellationToken)
    {
        await using var any = SqliteMapping.Command(
            connection,
            transaction,
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE video_id = @video AND target = @target AND version = @version)",
            ("@video", videoId),
            ("@target", target),
            ("@version", version));
        return Convert.ToInt64(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Adds a delivery <c>queued</c>, due now (the claim that follows takes it if the rules allow); returns 1, or 0 when it exists.</summary>
    private static async Task<int> AddQueuedAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string rendition, string target, string operation, long at, CancellationToken cancellationToken)
    {
        await using var insert = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO deliveries (id, video_id, version, rendition, target, operation, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES (@id, @video, @version, @rendition, @target, @operation, 'queued', 0, @now, @now, @now)
            ON CONFLICT (video_id, version, rendition, target, operation) DO NOTHING
            """,
            ("@id", SqliteMapping.NewId(at)),
            ("@video", videoId),
            ("@version", version),
            ("@rendition", rendition),
            ("@target", target),
            ("@operation", operation),
            ("@now", at));
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rule 5: the renditions older versions pushed to <paramref name="target"/> (and no later removal took away) that this
    /// publish version lacks get a removal there, under a rendition row of this version that copies the newest older one
    /// (its source path and kind) with operation <c>remove</c>. The claim rules hold it until this version's pushes there
    /// are all delivered.
    /// </summary>
    private static async Task AddDroppedRemovalsAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string target, long at, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        await using (var find = SqliteMapping.Command(
            connection,
            transaction,
            """
            SELECT DISTINCT d.rendition FROM deliveries d
            WHERE d.video_id = @video AND d.target = @target AND d.version < @version AND d.operation = 'push'
              AND d.rendition NOT IN (SELECT name FROM renditions WHERE video_id = @video AND version = @version AND operation = 'push')
              AND NOT EXISTS (
                  SELECT 1 FROM deliveries e
                  WHERE e.video_id = d.video_id AND e.target = d.target AND e.rendition = d.rendition AND e.operation = 'remove'
                    AND e.state = 'removed' AND e.version > d.version AND e.version < @version)
            ORDER BY d.rendition
            """,
            ("@video", videoId),
            ("@target", target),
            ("@version", version)))
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                dropped.Add(reader.GetString(0));
            }
        }

        foreach (var rendition in dropped)
        {
            await CopyRenditionToRemoveAsync(connection, transaction, videoId, version, rendition, cancellationToken).ConfigureAwait(false);
            await AddQueuedAsync(connection, transaction, videoId, version, rendition, target, DeliveryOperations.Remove, at, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A rendition row of <paramref name="version"/> with operation <c>remove</c>, copied from the newest older version that pushed it (kept if it exists).</summary>
    private static async Task CopyRenditionToRemoveAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string rendition, CancellationToken cancellationToken)
    {
        await using var copy = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO renditions (video_id, version, name, source_path, kind, fingerprint, bytes, file_count, operation)
            SELECT video_id, @version, name, source_path, kind, fingerprint, bytes, file_count, 'remove' FROM renditions
            WHERE video_id = @video AND name = @name AND version < @version
            ORDER BY operation = 'push' DESC, version DESC
            LIMIT 1
            ON CONFLICT (video_id, version, name) DO NOTHING
            """,
            ("@video", videoId),
            ("@version", version),
            ("@name", rendition));
        await copy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The claim a submission or removal makes for its node: the queued deliveries of <paramref name="version"/> to
    /// <paramref name="targets"/> that the claim rules allow, each under a fresh lease token. The ones an older push still
    /// holds the keys for say so in their last error; all others blocked stay queued, due now. With
    /// <paramref name="dueOnly"/>, only the ones due at <paramref name="at"/> (a submission claims its queued ones whatever their due time).
    /// The node's heartbeat is written first, in the same transaction.
    /// </summary>
    private static async Task<List<ClaimedDelivery>> ClaimVersionAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, IReadOnlyList<string> targets, IReadOnlyList<string>? renditions, string nodeId, long at, CancellationToken cancellationToken, bool dueOnly = false)
    {
        await using var statements = new SqliteStatements(connection) { Transaction = transaction };
        await HeartbeatAsync(statements, nodeId, at, cancellationToken).ConfigureAwait(false);
        var due = dueOnly ? "AND next_attempt_at <= @now" : string.Empty;
        (string, object?)[] parameters =
        [
            ("@video", videoId), ("@version", version), ("@targets", SqliteMapping.JsonArray(targets)),
            ("@renditions", renditions is null ? null : SqliteMapping.JsonArray(renditions)), ("@now", at),
        ];
        var ids = new List<string>();
        await using (var select = SqliteMapping.Command(
            connection,
            transaction,
            $"""
            SELECT id FROM deliveries
            WHERE video_id = @video AND version = @version AND target IN (SELECT value FROM json_each(@targets)) AND state = 'queued' {due}
              AND (@renditions IS NULL OR rendition IN (SELECT value FROM json_each(@renditions))) AND {ClaimRules}
            """,
            parameters))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        await using (var waiting = SqliteMapping.Command(
            connection,
            transaction,
            """
            UPDATE deliveries SET last_error = 'waiting for version ' || s.version || '''s push to stop', updated_at = @now
            FROM (SELECT target, max(version) AS version FROM deliveries
                  WHERE video_id = @video AND state = 'superseded' AND lease_token IS NOT NULL GROUP BY target) AS s
            WHERE deliveries.video_id = @video AND deliveries.version = @version AND deliveries.target = s.target
              AND deliveries.target IN (SELECT value FROM json_each(@targets)) AND deliveries.state = 'queued'
            """,
            parameters))
        {
            await waiting.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ClaimIdsAsync(statements, ids, nodeId, at, cancellationToken).ConfigureAwait(false);
        var claimed = new List<ClaimedDelivery>();
        await using (var read = SqliteMapping.Command(
            connection,
            transaction,
            $"""
            {ClaimedSelect}
            WHERE d.id IN (SELECT value FROM json_each(@ids))
            ORDER BY d.rendition, d.target, d.operation
            """,
            ("@ids", SqliteMapping.JsonArray(ids))))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(SqliteMapping.ReadClaim(reader));
            }
        }

        return claimed;
    }

    /// <summary>Puts the given deliveries in flight for <paramref name="nodeId"/>, each under a fresh lease token.</summary>
    private static async Task ClaimIdsAsync(SqliteStatements statements, IReadOnlyList<string> ids, string nodeId, long at, CancellationToken cancellationToken)
    {
        var claim = statements.Command(
            "UPDATE deliveries SET state = 'in_flight', lease_owner = @node, lease_token = @token, next_attempt_at = NULL, updated_at = @now WHERE id = @id",
            ("@node", nodeId),
            ("@token", null),
            ("@now", at),
            ("@id", null));
        foreach (var id in ids)
        {
            claim.Parameters["@token"].Value = SqliteMapping.Id(Guid.NewGuid());
            claim.Parameters["@id"].Value = id;
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimVersionAsync(string videoId, int version, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        var claimed = await ClaimVersionAsync(connection, transaction, videoId, version, targets.Distinct(StringComparer.Ordinal).ToList(), null, nodeId, at, cancellationToken, dueOnly: true).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }

    public async Task<SubmitResult?> RemoveAsync(string videoId, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var at = SqliteMapping.Ms(now);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        if (await NewestVersionAsync(connection, transaction, videoId, cancellationToken).ConfigureAwait(false) is not { } newest)
        {
            return null;
        }

        var asked = targets.Distinct(StringComparer.Ordinal).ToList();
        if (asked.Count == 0)
        {
            asked = await ListAsync(connection, transaction, "SELECT DISTINCT target FROM deliveries WHERE video_id = @video ORDER BY target", cancellationToken, ("@video", videoId)).ConfigureAwait(false);
        }

        var covered = await ListAsync(
            connection,
            transaction,
            "SELECT DISTINCT target FROM deliveries WHERE video_id = @video AND version = @version",
            cancellationToken,
            ("@video", videoId),
            ("@version", newest.Version)).ConfigureAwait(false);
        var isNewVersion = newest.Action != DeliveryOperations.Remove || !asked.TrueForAll(covered.Contains);
        var version = isNewVersion ? newest.Version + 1 : newest.Version;
        if (isNewVersion)
        {
            await using (var insert = SqliteMapping.Command(
                connection,
                transaction,
                "INSERT INTO video_versions (video_id, version, fingerprint, action, submitted_at) VALUES (@video, @version, '', 'remove', @now)",
                ("@video", videoId),
                ("@version", version),
                ("@now", at)))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var renditions = await ListAsync(connection, transaction, "SELECT DISTINCT name FROM renditions WHERE video_id = @video ORDER BY name", cancellationToken, ("@video", videoId)).ConfigureAwait(false);
            foreach (var rendition in renditions)
            {
                await CopyRenditionToRemoveAsync(connection, transaction, videoId, version, rendition, cancellationToken).ConfigureAwait(false);
            }

            foreach (var target in asked)
            {
                await SupersedeOlderAsync(connection, transaction, videoId, version, target, at, cancellationToken).ConfigureAwait(false);
                foreach (var rendition in renditions)
                {
                    await AddQueuedAsync(connection, transaction, videoId, version, rendition, target, DeliveryOperations.Remove, at, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var claimed = await ClaimVersionAsync(connection, transaction, videoId, version, asked, null, nodeId, at, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, isNewVersion, claimed);
    }

    private static async Task<List<string>> ListAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var values = new List<string>();
        await using var select = SqliteMapping.Command(connection, transaction, sql, parameters);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public async Task<bool> RecordFilesAsync(Guid deliveryId, Guid leaseToken, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        return await _writes.RunAsync((statements, token) => RecordFilesInAsync(statements, deliveryId, leaseToken, files, token), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> RecordFilesInAsync(SqliteStatements statements, Guid deliveryId, Guid leaseToken, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken)
    {
        var held = statements.Command(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE id = @id AND state = 'in_flight' AND lease_token = @token)",
            ("@id", SqliteMapping.Id(deliveryId)),
            ("@token", SqliteMapping.Id(leaseToken)));
        if (Convert.ToInt64(await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 1)
        {
            return false;
        }

        await UpsertFilesAsync(statements, deliveryId, files, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Records files of a delivery (upsert by key), inside the caller's write transaction.</summary>
    private static async Task UpsertFilesAsync(SqliteStatements statements, Guid deliveryId, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return;
        }

        var upsert = statements.Command(
            """
            INSERT INTO delivery_files (delivery_id, key, bytes, sha256) VALUES (@id, @key, @bytes, @sha256)
            ON CONFLICT (delivery_id, key) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256
            """,
            ("@id", SqliteMapping.Id(deliveryId)),
            ("@key", null),
            ("@bytes", null),
            ("@sha256", null));
        foreach (var file in files)
        {
            upsert.Parameters["@key"].Value = file.Key;
            upsert.Parameters["@bytes"].Value = file.Bytes;
            upsert.Parameters["@sha256"].Value = (object?)file.Sha256 ?? DBNull.Value;
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<DeliveredFile>> GetFilesAsync(string videoId, string rendition, string target, int beforeVersion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT f.key, f.bytes, f.sha256 FROM deliveries d JOIN delivery_files f ON f.delivery_id = d.id
            WHERE d.video_id = @video AND d.target = @target AND d.version < @before AND d.rendition = @rendition
            ORDER BY f.key, d.version DESC
            """,
            ("@video", videoId),
            ("@target", target),
            ("@before", beforeVersion),
            ("@rendition", rendition));
        var files = new List<DeliveredFile>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = reader.GetString(0);
            if (files.Count == 0 || files[^1].Key != key)
            {
                files.Add(new DeliveredFile(key, reader.GetInt64(1), SqliteMapping.NullableString(reader, 2)));
            }
        }

        return files;
    }

    public async Task<IReadOnlyList<DeliveredFile>> GetDeliveryFilesAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            "SELECT key, bytes, sha256 FROM delivery_files WHERE delivery_id = @id ORDER BY key",
            ("@id", SqliteMapping.Id(deliveryId)));
        var files = new List<DeliveredFile>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(new DeliveredFile(reader.GetString(0), reader.GetInt64(1), SqliteMapping.NullableString(reader, 2)));
        }

        return files;
    }

    public async Task<IReadOnlyList<TargetVersion>> GetTargetVersionsAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT d.version, v.action, d.target, d.operation, d.state FROM deliveries d
            JOIN video_versions v ON v.video_id = d.video_id AND v.version = d.version
            WHERE d.video_id = @video
            """,
            ("@video", videoId));
        var facts = new List<DeliveryFact>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.Add(new DeliveryFact(reader.GetInt32(0), DeliveryOperations.Parse(reader.GetString(1)), reader.GetString(2), DeliveryOperations.Parse(reader.GetString(3)), SqliteMapping.State(reader.GetString(4))));
        }

        return TargetVersions.Derive(facts);
    }
}
