using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

/// <summary>Versions that supersede, removal, the files a push left at its target, and which version each target holds.</summary>
internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// The claim rules, for a queued row <c>d</c> of deliveries: it is not handed out while a delivery of a newer version of
    /// its video to its target exists, while a superseded delivery of the video to the target still holds a lease (an older
    /// push is still writing), or, when it removes a rendition its publish version dropped, while a push of that version to
    /// the target is not delivered yet. Each look is a short range of the unique key <c>(video_id, target, version, …)</c> or
    /// <c>deliveries_superseded_leases</c>, and the version's action one row of <c>video_versions_pkey</c>. The removal's two
    /// looks are scalar subqueries, not <c>EXISTS</c>: as <c>EXISTS</c> they were planned as hashes of every publish version
    /// and of every undelivered push, built again for each claim with a removal due. Rule 2 makes the first two hold under
    /// concurrency: a commit of a newer version updates (and so locks) every older row that is not done, and a claim takes
    /// its rows <c>FOR UPDATE SKIP LOCKED</c>.
    /// </summary>
    internal const string ClaimRules =
        """
        NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.video_id = d.video_id AND n.target = d.target AND n.version > d.version)
        AND NOT EXISTS (SELECT 1 FROM deliveries s WHERE s.video_id = d.video_id AND s.target = d.target AND s.state = 'superseded' AND s.lease_token IS NOT NULL)
        AND NOT (d.operation = 'remove'
            AND (SELECT v.action FROM video_versions v WHERE v.video_id = d.video_id AND v.version = d.version) = 'push'
            AND (SELECT count(*) FROM deliveries p WHERE p.video_id = d.video_id AND p.target = d.target AND p.version = d.version
                 AND p.operation = 'push' AND p.state <> 'delivered') > 0)
        """;

    /// <summary>
    /// Takes the video's advisory lock (held to commit: submissions and removals of one video run one at a time) and returns
    /// the newest version (number, fingerprint, action word), or null.
    /// </summary>
    private async Task<(int Version, string Fingerprint, string Action)?> LockVideoAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string videoId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { P("key", LockKey($"courier:{Schema}:video:{videoId}")) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT version, fingerprint, action FROM video_versions WHERE video_id = @video ORDER BY version DESC LIMIT 1")
        {
            Parameters = { P("video", videoId) },
        });
        // The lock's result, then the newest version.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    /// <summary>
    /// The deliveries <paramref name="where"/> selects (with <c>@video</c> and <c>@version</c> bound) that are queued, in
    /// flight or dead become superseded by <paramref name="version"/>; an in-flight one keeps its lease (its node is still
    /// writing). Their versions' counts of work to do go down by the ones that counted (pushes of a publish, removals of a removal).
    /// </summary>
    private static NpgsqlBatchCommand SupersedeCommand(string where, string videoId, int version, DateTimeOffset now, params NpgsqlParameter[] extra)
    {
        var command = new NpgsqlBatchCommand(
            $"""
            WITH gone AS (
                UPDATE deliveries SET state = 'superseded', error_kind = 'superseded', last_error = 'superseded by version ' || @version::text,
                    next_attempt_at = NULL, updated_at = @now
                WHERE {where} AND state IN ('queued', 'in_flight', 'dead', 'scheduled')
                RETURNING version, operation),
            counted AS (
                SELECT gone.version, count(*) AS n FROM gone
                JOIN video_versions v ON v.video_id = @video AND v.version = gone.version AND v.action = gone.operation
                GROUP BY gone.version)
            UPDATE video_versions v SET undelivered = v.undelivered - counted.n
            FROM counted WHERE v.video_id = @video AND v.version = counted.version
            """)
        {
            Parameters = { P("video", videoId), P("version", version), Time("now", now) },
        };
        foreach (var parameter in extra)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Runs a batch and returns the first column of the last result set it gives.</summary>
    private static async Task<string[]> ReadLastResultAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            rows.Clear();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(reader.GetString(0));
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return [.. rows];
    }

    /// <summary>
    /// Rule 5, at the targets new to this publish version: the renditions older versions pushed there (and no later removal
    /// took away) that it lacks get a removal there, queued, under a rendition row of this version copied from the newest
    /// older one (source path and kind) with operation <c>remove</c>. They do not count as work for the version's distributed
    /// time; the claim rules hold them until its pushes there are all delivered.
    /// </summary>
    private static void AddDroppedRemovals(NpgsqlBatch batch, string videoId, int version, string[] targets, DateTimeOffset now) =>
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            WITH dropped AS (
                SELECT DISTINCT d.rendition, d.target FROM deliveries d
                WHERE d.video_id = @video AND d.target = ANY(@targets) AND d.version < @version AND d.operation = 'push'
                  AND d.rendition NOT IN (SELECT name FROM renditions WHERE video_id = @video AND version = @version AND operation = 'push')
                  AND NOT EXISTS (
                      SELECT 1 FROM deliveries e
                      WHERE e.video_id = d.video_id AND e.target = d.target AND e.rendition = d.rendition AND e.operation = 'remove'
                        AND e.state = 'removed' AND e.version > d.version AND e.version < @version)),
            copied AS ({CopyRenditionsSql("(SELECT rendition FROM dropped)")})
            INSERT INTO deliveries (id, video_id, version, rendition, target, operation, state, next_attempt_at, created_at, updated_at)
            SELECT gen_random_uuid(), @video, @version, rendition, target, 'remove', 'queued', @now, @now, @now FROM dropped
            ON CONFLICT (video_id, version, rendition, target, operation) DO NOTHING
            """)
        {
            Parameters = { P("video", videoId), P("version", version), P("targets", targets), Time("now", now) },
        });

    /// <summary>
    /// An insert of rendition rows of <c>@version</c> with operation <c>remove</c> for the names <paramref name="names"/>
    /// selects, each copied from the newest older version that pushed it (kept where the version has the name already).
    /// </summary>
    private static string CopyRenditionsSql(string names) =>
        $"""
        INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count, operation)
        SELECT s.video_id, @version, s.name,
               (SELECT coalesce(max(ordinal) + 1, 0) FROM renditions WHERE video_id = @video AND version = @version) + row_number() OVER (ORDER BY s.name),
               s.source_path, s.kind, s.fingerprint, s.bytes, s.file_count, 'remove'
        FROM (SELECT DISTINCT ON (r.name) r.* FROM renditions r
              WHERE r.video_id = @video AND r.version < @version AND r.name IN {names}
              ORDER BY r.name, r.operation = 'push' DESC, r.version DESC) s
        ON CONFLICT (video_id, version, name) DO NOTHING
        """;

    /// <summary>
    /// The claim a submission or removal makes for its node: the queued deliveries of <paramref name="version"/> to
    /// <paramref name="targets"/> that the claim rules allow, each under a fresh lease token. The ones an older push still
    /// holds the keys for say so in their last error; all others blocked stay queued, due now. With
    /// <paramref name="dueOnly"/>, only the ones due at <paramref name="now"/> (a submission claims its queued ones whatever their due time).
    /// </summary>
    private static async Task<List<ClaimedDelivery>> ClaimVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string videoId, int version, string[] targets, string[]? renditions, string nodeId, DateTimeOffset now, CancellationToken cancellationToken, bool dueOnly = false)
    {
        var due = dueOnly ? "AND d.next_attempt_at <= @now" : string.Empty;
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            WITH allowed AS MATERIALIZED (
                -- Picked once, as ClaimDueAsync does: an "id IN (subquery)" here was planned as a semi join that ran the
                -- claim rules again for every row (a minute for 500 deliveries).
                SELECT d.id FROM deliveries d
                WHERE d.video_id = @video AND d.version = @version AND d.target = ANY(@targets) AND d.state = 'queued' {due}
                  AND (@renditions::text[] IS NULL OR d.rendition = ANY(@renditions)) AND {ClaimRules}
                FOR UPDATE SKIP LOCKED),
            taken AS (
                UPDATE deliveries d SET state = 'in_flight', lease_owner = @node, lease_token = gen_random_uuid(), next_attempt_at = NULL, updated_at = @now
                FROM allowed WHERE d.id = allowed.id
                RETURNING {ClaimedReturning})
            SELECT {ClaimColumns}
            FROM taken d JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
            ORDER BY r.ordinal, array_position(@targets, d.target), d.operation
            """)
        {
            Parameters = { P("video", videoId), P("version", version), P("targets", targets), P("renditions", renditions), P("node", nodeId), Time("now", now) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            UPDATE deliveries d SET last_error = 'waiting for version ' || s.version::text || '''s push to stop', updated_at = @now
            FROM (SELECT target, max(version) AS version FROM deliveries
                  WHERE video_id = @video AND state = 'superseded' AND lease_token IS NOT NULL GROUP BY target) s
            WHERE d.video_id = @video AND d.version = @version AND d.target = s.target AND d.target = ANY(@targets) AND d.state = 'queued'
            """)
        {
            Parameters = { P("video", videoId), P("version", version), P("targets", targets), Time("now", now) },
        });

        var claimed = new List<ClaimedDelivery>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(ReadClaim(reader));
        }

        return claimed;
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimVersionAsync(string videoId, int version, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        await using var connection = await OpenWithHeartbeatAsync(nodeId, now, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The video's lock orders this claim with a submission or removal committing a newer version at the same time.
        await LockVideoAsync(connection, transaction, videoId, cancellationToken).ConfigureAwait(false);
        var claimed = await ClaimVersionAsync(connection, transaction, videoId, version, targets.Distinct(StringComparer.Ordinal).ToArray(), null, nodeId, now, cancellationToken, dueOnly: true).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }

    public async Task<SubmitResult?> RemoveAsync(string videoId, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        await using var connection = await OpenWithHeartbeatAsync(nodeId, now, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await LockVideoAsync(connection, transaction, videoId, cancellationToken).ConfigureAwait(false) is not { } newest)
        {
            return null;
        }

        string[] covered;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT DISTINCT target FROM deliveries WHERE video_id = @video AND version = @version")
            {
                Parameters = { P("video", videoId), P("version", newest.Version) },
            });
            covered = await ReadLastResultAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        var asked = targets.Distinct(StringComparer.Ordinal).ToArray();
        if (asked.Length == 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT DISTINCT target FROM deliveries WHERE video_id = @video ORDER BY target") { Parameters = { P("video", videoId) } });
            asked = await ReadLastResultAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        var isNewVersion = newest.Action != DeliveryOperations.Remove || !asked.All(covered.Contains);
        var version = isNewVersion ? newest.Version + 1 : newest.Version;
        if (isNewVersion)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO video_versions (video_id, version, fingerprint, action, submitted_at) VALUES (@video, @version, '', 'remove', @now)")
            {
                Parameters = { P("video", videoId), P("version", version), Time("now", now) },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(CopyRenditionsSql("(SELECT name FROM renditions WHERE video_id = @video)"))
            {
                Parameters = { P("video", videoId), P("version", version) },
            });
            batch.BatchCommands.Add(SupersedeCommand("video_id = @video AND target = ANY(@targets) AND version < @version", videoId, version, now, P("targets", asked)));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                WITH added AS (
                    INSERT INTO deliveries (id, video_id, version, rendition, target, operation, state, next_attempt_at, created_at, updated_at)
                    SELECT gen_random_uuid(), @video, @version, r.name, t, 'remove', 'queued', @now, @now, @now
                    FROM renditions r CROSS JOIN unnest(@targets) AS t
                    WHERE r.video_id = @video AND r.version = @version
                    RETURNING id)
                UPDATE video_versions SET undelivered = (SELECT count(*) FROM added) WHERE video_id = @video AND version = @version
                """)
            {
                Parameters = { P("video", videoId), P("version", version), P("targets", asked), Time("now", now) },
            });
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var claimed = await ClaimVersionAsync(connection, transaction, videoId, version, asked, null, nodeId, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubmitResult(version, isNewVersion, claimed);
    }

    public async Task<bool> RecordFilesAsync(Guid deliveryId, Guid leaseToken, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var byKey = UniqueKeys(files);
        await using var command = _dataSource.CreateCommand(
            """
            WITH held AS (SELECT id FROM deliveries WHERE id = @id AND state = 'in_flight' AND lease_token = @token),
            written AS (
                INSERT INTO delivery_files (delivery_id, key, bytes, sha256)
                SELECT held.id, f.key, f.bytes, f.sha256 FROM held CROSS JOIN unnest(@keys, @bytes, @shas) AS f(key, bytes, sha256)
                ON CONFLICT (delivery_id, key) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256)
            SELECT count(*) FROM held
            """);
        command.Parameters.Add(P("id", deliveryId));
        command.Parameters.Add(P("token", leaseToken));
        command.Parameters.Add(P("keys", byKey.Select(f => f.Key).ToArray()));
        command.Parameters.Add(P("bytes", byKey.Select(f => f.Bytes).ToArray()));
        command.Parameters.Add(P("shas", byKey.Select(f => f.Sha256).ToArray()));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    /// <summary>One row per key (the last one given wins): an upsert may not touch a row twice in one statement.</summary>
    private static List<DeliveredFile> UniqueKeys(IReadOnlyList<DeliveredFile> files) =>
        files.GroupBy(f => f.Key, StringComparer.Ordinal).Select(g => g.Last()).ToList();

    public async Task<IReadOnlyList<DeliveredFile>> GetFilesAsync(string videoId, string rendition, string target, int beforeVersion, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT DISTINCT ON (f.key) f.key, f.bytes, f.sha256 FROM deliveries d JOIN delivery_files f ON f.delivery_id = d.id
            WHERE d.video_id = @video AND d.target = @target AND d.version < @before AND d.rendition = @rendition
            ORDER BY f.key, d.version DESC
            """);
        command.Parameters.Add(P("video", videoId));
        command.Parameters.Add(P("target", target));
        command.Parameters.Add(P("before", beforeVersion));
        command.Parameters.Add(P("rendition", rendition));
        var files = new List<DeliveredFile>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(new DeliveredFile(reader.GetString(0), reader.GetInt64(1), NullableString(reader, 2)));
        }

        return files;
    }

    public async Task<IReadOnlyList<DeliveredFile>> GetDeliveryFilesAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT key, bytes, sha256 FROM delivery_files WHERE delivery_id = @id ORDER BY key");
        command.Parameters.Add(P("id", deliveryId));
        var files = new List<DeliveredFile>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(new DeliveredFile(reader.GetString(0), reader.GetInt64(1), NullableString(reader, 2)));
        }

        return files;
    }

    public async Task<IReadOnlyList<TargetVersion>> GetTargetVersionsAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT d.version, v.action, d.target, d.operation, d.state FROM deliveries d
            JOIN video_versions v ON v.video_id = d.video_id AND v.version = d.version
            WHERE d.video_id = @video
            """);
        command.Parameters.Add(P("video", videoId));
        var facts = new List<DeliveryFact>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.Add(new DeliveryFact(reader.GetInt32(0), DeliveryOperations.Parse(reader.GetString(1)), reader.GetString(2), DeliveryOperations.Parse(reader.GetString(3)), State(reader.GetString(4))));
        }

        return TargetVersions.Derive(facts);
    }
}
