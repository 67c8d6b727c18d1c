using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Courier.Bench;

/// <summary>
/// The raw limit of a job queue on this machine, the baseline for the <c>store</c> benchmark: the least a queue can do per
/// job on the same database server, with the same workers. One table with a partial index on the due jobs (River's
/// shape); each worker claims a batch with one statement (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, <c>UPDATE …
/// RETURNING</c> on SQLite) and completes the whole batch with one more. No lease token, no attempt row, no file list, no
/// version counter, no event: what it measures is the claim and the completion themselves, so its rate is the ceiling a
/// queue with Courier's guarantees can approach here, not reach.
/// <para>
/// <see cref="Shape.Ledger"/> adds, in plain SQL, the rows a delivery ledger cannot do without, and nothing else: a lease
/// token checked by the completion, the outcome on the job's row, an attempt row and a file row per job (each found
/// again by job through an index), and the count of work left on the job's version (10 jobs per version), locked in one
/// order. No claim rules, no event outbox, no index for the operator's questions (by video and target, dead, in flight,
/// deadline), no .NET store code: what is left between it and Courier is what Courier adds.
/// </para>
/// </summary>
internal static class RawQueue
{
    /// <summary>What a completion writes.</summary>
    public enum Shape
    {
        /// <summary>The job's state, nothing else.</summary>
        Queue,

        /// <summary>Lease token, outcome, attempt row, file row and version counter.</summary>
        Ledger,
    }

    private const int JobsPerVersion = 10;

    /// <summary>The jobs claimed and completed per second by <paramref name="workers"/> workers, <paramref name="batch"/> at a time.</summary>
    public static Task<double> MeasureAsync(string kind, string postgres, int jobs, int workers, int batch, Shape shape, CancellationToken cancellationToken) =>
        (kind, shape) switch
        {
            ("postgres", Shape.Queue) => MeasurePostgresAsync(postgres, jobs, workers, batch, cancellationToken),
            ("postgres", _) => MeasurePostgresLedgerAsync(postgres, jobs, workers, batch, cancellationToken),
            (_, Shape.Queue) => MeasureSqliteAsync(jobs, workers, batch, cancellationToken),
            _ => MeasureSqliteLedgerAsync(jobs, workers, batch, null, cancellationToken),
        };

    private static Task<double> MeasurePostgresAsync(string connectionString, int jobs, int workers, int batch, CancellationToken cancellationToken) =>
        InSchemaAsync(
            connectionString,
            $"""
            CREATE TABLE jobs (
                id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                state         text        NOT NULL,
                attempt       integer     NOT NULL DEFAULT 0,
                scheduled_at  timestamptz NOT NULL,
                attempted_at  timestamptz NULL,
                attempted_by  text        NULL,
                finalized_at  timestamptz NULL);
            CREATE INDEX jobs_due ON jobs (scheduled_at, id) WHERE state = 'available';
            INSERT INTO jobs (state, scheduled_at) SELECT 'available', now() - interval '1 second' FROM generate_series(1, {jobs});
            {AnalyzeOwnSchema}
            """,
            dataSource => RunPostgresWorkersAsync(
                dataSource,
                jobs,
                workers,
                batch,
                """
                UPDATE jobs j SET state = 'running', attempt = j.attempt + 1, attempted_at = now(), attempted_by = $1
                FROM (SELECT id FROM jobs WHERE state = 'available' AND scheduled_at <= now()
                      ORDER BY scheduled_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due
                WHERE j.id = due.id
                RETURNING j.id
                """,
                reader => reader.GetInt64(0),
                async (_, ids) =>
                {
                    await using var complete = dataSource.CreateCommand(
                        "UPDATE jobs SET state = 'completed', finalized_at = now() WHERE id = ANY($1) AND state = 'running'");
                    complete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
                    return await complete.ExecuteNonQueryAsync(cancellationToken);
                },
                cancellationToken),
            cancellationToken);

    /// <summary>
    /// <see cref="Shape.Ledger"/> on PostgreSQL: the claim hands out a lease token; the completion of a batch is one
    /// statement, as Courier's is, that checks each token on its row, records the outcome there, inserts the attempts and
    /// files, and takes the versions' rows in one order before counting them down (batches of several workers share
    /// versions; taken in the order of a join, they deadlock).
    /// </summary>
    private static Task<double> MeasurePostgresLedgerAsync(string connectionString, int jobs, int workers, int batch, CancellationToken cancellationToken) =>
        InSchemaAsync(
            connectionString,
            $"""
            CREATE TABLE versions (
                video_id     text    NOT NULL,
                version      integer NOT NULL,
                undelivered  integer NOT NULL,
                PRIMARY KEY (video_id, version));
            CREATE TABLE jobs (
                id               uuid        PRIMARY KEY,
                video_id         text        NOT NULL,
                version          integer     NOT NULL,
                state            text        NOT NULL,
                attempts         integer     NOT NULL DEFAULT 0,
                next_attempt_at  timestamptz NULL,
                lease_owner      text        NULL,
                lease_token      uuid        NULL,
                bytes            bigint      NULL,
                sha256           text        NULL,
                delivered_at     timestamptz NULL,
                updated_at       timestamptz NOT NULL);
            CREATE INDEX jobs_due ON jobs (next_attempt_at, id) WHERE state = 'queued';
            CREATE TABLE attempts (
                id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job_id       uuid        NOT NULL REFERENCES jobs (id),
                succeeded    boolean     NOT NULL,
                bytes        bigint      NOT NULL,
                duration_ms  bigint      NOT NULL,
                started_at   timestamptz NOT NULL,
                node_id      text        NOT NULL);
            CREATE INDEX attempts_job ON attempts (job_id);
            CREATE TABLE files (
                job_id  uuid   NOT NULL REFERENCES jobs (id),
                key     text   NOT NULL,
                bytes   bigint NOT NULL,
                sha256  text   NULL,
                PRIMARY KEY (job_id, key));
            INSERT INTO versions SELECT 'video-' || v, 1, {JobsPerVersion} FROM generate_series(0, {(jobs / JobsPerVersion) - 1}) AS v;
            -- Ids in the order the jobs were made, as Courier's time-ordered ones: the indexes by job id take each batch's
            -- attempts and files side by side.
            INSERT INTO jobs (id, video_id, version, state, next_attempt_at, updated_at)
            SELECT lpad(to_hex(n), 32, '0')::uuid, 'video-' || ((n - 1) / {JobsPerVersion}), 1, 'queued', now() - interval '1 second', now()
            FROM generate_series(1, {jobs}) AS n;
            {AnalyzeOwnSchema}
            """,
            dataSource => RunPostgresWorkersAsync(
                dataSource,
                jobs,
                workers,
                batch,
                """
                UPDATE jobs j SET state = 'in_flight', attempts = j.attempts + 1, lease_owner = $1, lease_token = gen_random_uuid(),
                                  next_attempt_at = NULL, updated_at = now()
                FROM (SELECT id FROM jobs WHERE state = 'queued' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due
                WHERE j.id = due.id
                RETURNING j.id, j.lease_token
                """,
                reader => (Id: reader.GetGuid(0), Token: reader.GetGuid(1)),
                async (worker, claimed) =>
                {
                    await using var complete = dataSource.CreateCommand(
                        """
                        WITH c AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS c(id, token)),
                        done AS (
                            UPDATE jobs j SET state = 'delivered', bytes = 65536, sha256 = 'sha', delivered_at = now(),
                                              lease_owner = NULL, lease_token = NULL, updated_at = now()
                            FROM c WHERE j.id = c.id AND j.state = 'in_flight' AND j.lease_token = c.token
                            RETURNING j.id, j.video_id, j.version),
                        recorded AS (
                            INSERT INTO attempts (job_id, succeeded, bytes, duration_ms, started_at, node_id)
                            SELECT id, true, 65536, 1, now(), $3 FROM done),
                        listed AS (
                            INSERT INTO files (job_id, key, bytes, sha256) SELECT id, 'rendition.mp4', 65536, 'sha' FROM done),
                        locked AS MATERIALIZED (
                            SELECT v.video_id FROM versions v WHERE (v.video_id, v.version) IN (SELECT video_id, version FROM done)
                            ORDER BY v.video_id, v.version FOR NO KEY UPDATE),
                        counted AS (
                            UPDATE versions v SET undelivered = v.undelivered - n.k
                            FROM (SELECT video_id, version, count(*) AS k FROM done GROUP BY video_id, version) n
                            WHERE v.video_id = n.video_id AND v.version = n.version AND (SELECT count(*) FROM locked) > 0)
                        SELECT count(*) FROM done
                        """);
                    complete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. claimed.Select(c => c.Id)] });
                    complete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. claimed.Select(c => c.Token)] });
                    complete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"worker-{worker}" });
                    return (int)(long)(await complete.ExecuteScalarAsync(cancellationToken))!;
                },
                cancellationToken),
            cancellationToken);

    /// <summary>
    /// The PostgreSQL workers, each on connections of its own from <paramref name="dataSource"/>: claims a batch with
    /// <paramref name="claimSql"/> (binding the worker's name and the batch size, reading each row with
    /// <paramref name="read"/>) and completes what it claimed with <paramref name="complete"/>, which answers how many it
    /// completed, until a claim finds nothing.
    /// </summary>
    private static Task<double> RunPostgresWorkersAsync<T>(NpgsqlDataSource dataSource, int jobs, int workers, int batch, string claimSql, Func<NpgsqlDataReader, T> read, Func<int, List<T>, Task<int>> complete, CancellationToken cancellationToken) =>
        RunWorkersAsync(jobs, workers, async worker =>
        {
            var done = 0;
            while (true)
            {
                var claimed = new List<T>(batch);
                await using (var claim = dataSource.CreateCommand(claimSql))
                {
                    claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"worker-{worker}" });
                    claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch });
                    await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        claimed.Add(read(reader));
                    }
                }

                if (claimed.Count == 0)
                {
                    return done;
                }

                done += await complete(worker, claimed);
            }
        });

    /// <summary>
    /// Gathers the statistics of the run's own tables (those of the connection's schema), as autovacuum keeps them in a
    /// running database. A bare <c>ANALYZE</c> reads every table of the database, other runs' included.
    /// </summary>
    internal const string AnalyzeOwnSchema =
        "DO $$ DECLARE t text; BEGIN FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema() LOOP EXECUTE 'ANALYZE ' || t; END LOOP; END $$;";

    /// <summary>Runs <paramref name="run"/> on a schema of its own, made by <paramref name="create"/> and dropped after.</summary>
    private static async Task<double> InSchemaAsync(string connectionString, string create, Func<NpgsqlDataSource, Task<double>> run, CancellationToken cancellationToken)
    {
        var schema = "bench_raw_" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema, MaxAutoPrepare = 16, NoResetOnClose = true };
        await using var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            await using (var command = dataSource.CreateCommand($"CREATE SCHEMA \"{schema}\";\n{create}"))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return await run(dataSource);
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static Task<double> MeasureSqliteAsync(int jobs, int workers, int batch, CancellationToken cancellationToken) =>
        InSqliteFileAsync(
            $"""
            CREATE TABLE jobs (
                id            INTEGER PRIMARY KEY,
                state         TEXT    NOT NULL,
                attempt       INTEGER NOT NULL DEFAULT 0,
                scheduled_at  INTEGER NOT NULL,
                attempted_at  INTEGER NULL,
                attempted_by  TEXT    NULL,
                finalized_at  INTEGER NULL);
            CREATE INDEX jobs_due ON jobs (scheduled_at, id) WHERE state = 'available';
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {jobs})
            INSERT INTO jobs (state, scheduled_at) SELECT 'available', 0 FROM s;
            ANALYZE;
            """,
            async connection =>
            {
                using var complete = Prepare(connection,
                    "UPDATE jobs SET state = 'completed', finalized_at = $now WHERE id IN (SELECT value FROM json_each($ids)) AND state = 'running'",
                    "$now", "$ids");
                return await RunSqliteWorkersAsync(
                    connection,
                    jobs,
                    workers,
                    batch,
                    """
                    UPDATE jobs SET state = 'running', attempt = attempt + 1, attempted_at = $now, attempted_by = $worker
                    WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due WHERE state = 'available' AND scheduled_at <= $now ORDER BY scheduled_at, id LIMIT $limit)
                    RETURNING id, NULL
                    """,
                    (_, claimed) =>
                    {
                        complete.Parameters["$now"].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        complete.Parameters["$ids"].Value = "[" + string.Join(',', claimed.Select(c => c.Id)) + "]";
                        return complete.ExecuteNonQuery();
                    },
                    null,
                    cancellationToken);
            });

    /// <summary>
    /// <see cref="Shape.Ledger"/> on SQLite: the claim hands out a lease token; the completion writes, for each job, the
    /// outcome guarded by its token, an attempt row and a file row, then counts each version down once, in one transaction
    /// for the batch, as Courier's write group does. With <paramref name="work"/>, each worker runs it for each job of its
    /// batch at once (given the job's number, 0 to <paramref name="jobs"/> − 1, in claim order) between the claim and the
    /// completion: the least a client with a durable per-job ledger does per job (the <c>drain</c> benchmark's baseline
    /// with the ledger in).
    /// </summary>
    internal static Task<double> MeasureSqliteLedgerAsync(int jobs, int workers, int batch, Func<long, CancellationToken, Task>? work, CancellationToken cancellationToken) =>
        InSqliteFileAsync(
            $"""
            PRAGMA foreign_keys = ON;
            CREATE TABLE versions (
                video_id     TEXT    NOT NULL,
                version      INTEGER NOT NULL,
                undelivered  INTEGER NOT NULL,
                PRIMARY KEY (video_id, version));
            CREATE TABLE jobs (
                id               INTEGER PRIMARY KEY,
                video_id         TEXT    NOT NULL,
                version          INTEGER NOT NULL,
                state            TEXT    NOT NULL,
                attempts         INTEGER NOT NULL DEFAULT 0,
                next_attempt_at  INTEGER NULL,
                lease_owner      TEXT    NULL,
                lease_token      TEXT    NULL,
                bytes            INTEGER NULL,
                sha256           TEXT    NULL,
                delivered_at     INTEGER NULL,
                updated_at       INTEGER NOT NULL);
            CREATE INDEX jobs_due ON jobs (next_attempt_at, id) WHERE state = 'queued';
            CREATE TABLE attempts (
                id           INTEGER PRIMARY KEY,
                job_id       INTEGER NOT NULL REFERENCES jobs (id),
                succeeded    INTEGER NOT NULL,
                bytes        INTEGER NOT NULL,
                duration_ms  INTEGER NOT NULL,
                started_at   INTEGER NOT NULL,
                node_id      TEXT    NOT NULL);
            CREATE INDEX attempts_job ON attempts (job_id);
            CREATE TABLE files (
                job_id  INTEGER NOT NULL REFERENCES jobs (id),
                key     TEXT    NOT NULL,
                bytes   INTEGER NOT NULL,
                sha256  TEXT    NULL,
                PRIMARY KEY (job_id, key));
            WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {(jobs / JobsPerVersion) - 1})
            INSERT INTO versions SELECT 'video-' || i, 1, {JobsPerVersion} FROM s;
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {jobs})
            INSERT INTO jobs (video_id, version, state, next_attempt_at, updated_at) SELECT 'video-' || ((i - 1) / {JobsPerVersion}), 1, 'queued', 0, 0 FROM s;
            ANALYZE;
            """,
            async connection =>
            {
                using var outcome = Prepare(connection,
                    """
                    UPDATE jobs SET state = 'delivered', bytes = 65536, sha256 = 'sha', delivered_at = $now, lease_owner = NULL, lease_token = NULL, updated_at = $now
                    WHERE id = $id AND state = 'in_flight' AND lease_token = $token
                    RETURNING video_id, version
                    """,
                    "$now", "$id", "$token");
                using var attempt = Prepare(connection,
                    "INSERT INTO attempts (job_id, succeeded, bytes, duration_ms, started_at, node_id) VALUES ($id, 1, 65536, 1, $now, $node)",
                    "$id", "$now", "$node");
                using var file = Prepare(connection, "INSERT INTO files (job_id, key, bytes, sha256) VALUES ($id, 'rendition.mp4', 65536, 'sha')", "$id");
                using var count = Prepare(connection,
                    "UPDATE versions SET undelivered = undelivered - $done WHERE video_id = $video AND version = $version",
                    "$done", "$video", "$version");
                return await RunSqliteWorkersAsync(
                    connection,
                    jobs,
                    workers,
                    batch,
                    """
                    UPDATE jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = $worker, lease_token = hex(randomblob(16)),
                                    next_attempt_at = NULL, updated_at = $now
                    WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due WHERE state = 'queued' AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $limit)
                    RETURNING id, lease_token
                    """,
                    (worker, claimed) =>
                    {
                        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        var versions = new Dictionary<(string Video, long Version), int>();
                        foreach (var (id, token) in claimed)
                        {
                            outcome.Parameters["$now"].Value = now;
                            outcome.Parameters["$id"].Value = id;
                            outcome.Parameters["$token"].Value = token;
                            using (var reader = outcome.ExecuteReader())
                            {
                                if (!reader.Read())
                                {
                                    continue;
                                }

                                var key = (reader.GetString(0), reader.GetInt64(1));
                                versions[key] = versions.GetValueOrDefault(key) + 1;
                            }

                            attempt.Parameters["$id"].Value = id;
                            attempt.Parameters["$now"].Value = now;
                            attempt.Parameters["$node"].Value = $"worker-{worker}";
                            attempt.ExecuteNonQuery();
                            file.Parameters["$id"].Value = id;
                            file.ExecuteNonQuery();
                        }

                        foreach (var ((video, version), done) in versions)
                        {
                            count.Parameters["$done"].Value = done;
                            count.Parameters["$video"].Value = video;
                            count.Parameters["$version"].Value = version;
                            count.ExecuteNonQuery();
                        }

                        return versions.Values.Sum();
                    },
                    work,
                    cancellationToken);
            });

    /// <summary>A database file of its own in WAL, made by <paramref name="create"/>, for <paramref name="run"/>; deleted after.</summary>
    private static async Task<double> InSqliteFileAsync(string create, Func<SqliteConnection, Task<double>> run)
    {
        var directory = Directory.CreateTempSubdirectory("courier-bench-rawqueue-").FullName;
        try
        {
            var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "queue.db"), Pooling = false }.ConnectionString;
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            Execute(connection, "PRAGMA journal_mode = WAL;\n" + create);
            return await run(connection);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// One connection for all workers (SQLite has one writer; the workers take turns in-process, as Courier's store
    /// instances do): each claims with <paramref name="claimSql"/> (binding <c>$now</c>, <c>$worker</c>, <c>$limit</c>;
    /// returning the id and the lease token, or NULL) in a commit at <c>synchronous=NORMAL</c>, and completes what it
    /// claimed with <paramref name="complete"/> in a commit at <c>FULL</c>, as Courier's store does; in between, runs
    /// <paramref name="work"/> for each job claimed, all at once.
    /// </summary>
    private static async Task<double> RunSqliteWorkersAsync(SqliteConnection connection, int jobs, int workers, int batch, string claimSql, Func<int, List<(long Id, string? Token)>, int> complete, Func<long, CancellationToken, Task>? work, CancellationToken cancellationToken)
    {
        using var claim = Prepare(connection, claimSql, "$now", "$worker", "$limit");
        using var normal = Prepare(connection, "PRAGMA synchronous = NORMAL");
        using var full = Prepare(connection, "PRAGMA synchronous = FULL");
        using var begin = Prepare(connection, "BEGIN IMMEDIATE");
        using var commit = Prepare(connection, "COMMIT");
        using var writer = new SemaphoreSlim(1, 1);

        return await RunWorkersAsync(jobs, workers, async worker =>
        {
            var done = 0;
            while (true)
            {
                var claimed = new List<(long Id, string? Token)>(batch);
                await writer.WaitAsync(cancellationToken);
                try
                {
                    normal.ExecuteNonQuery();
                    begin.ExecuteNonQuery();
                    claim.Parameters["$now"].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    claim.Parameters["$worker"].Value = $"worker-{worker}";
                    claim.Parameters["$limit"].Value = batch;
                    using (var reader = claim.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            claimed.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
                        }
                    }

                    commit.ExecuteNonQuery();
                }
                finally
                {
                    writer.Release();
                }

                if (claimed.Count == 0)
                {
                    return done;
                }

                if (work is not null)
                {
                    await Task.WhenAll(claimed.Select(job => work(job.Id - 1, cancellationToken)));
                }

                await writer.WaitAsync(cancellationToken);
                try
                {
                    full.ExecuteNonQuery();
                    begin.ExecuteNonQuery();
                    done += complete(worker, claimed);
                    commit.ExecuteNonQuery();
                }
                finally
                {
                    writer.Release();
                }
            }
        });
    }

    private static async Task<double> RunWorkersAsync(int jobs, int workers, Func<int, Task<int>> work)
    {
        var clock = Stopwatch.StartNew();
        var done = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => work(w))));
        clock.Stop();
        return done.Sum() == jobs
            ? jobs / clock.Elapsed.TotalSeconds
            : throw new InvalidOperationException($"the raw queue completed {done.Sum()} of {jobs} jobs");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }

        command.Prepare();
        return command;
    }
}
