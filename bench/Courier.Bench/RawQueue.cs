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
/// </summary>
internal static class RawQueue
{
    /// <summary>The jobs claimed and completed per second by <paramref name="workers"/> workers, <paramref name="batch"/> at a time.</summary>
    public static Task<double> MeasureAsync(string kind, string postgres, int jobs, int workers, int batch, CancellationToken cancellationToken) =>
        kind == "postgres"
            ? MeasurePostgresAsync(postgres, jobs, workers, batch, cancellationToken)
            : MeasureSqliteAsync(jobs, workers, batch, cancellationToken);

    private static async Task<double> MeasurePostgresAsync(string connectionString, int jobs, int workers, int batch, CancellationToken cancellationToken)
    {
        var schema = "bench_raw_" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema, MaxAutoPrepare = 16, NoResetOnClose = true };
        await using (var admin = NpgsqlDataSource.Create(connectionString))
        {
            await using var create = admin.CreateCommand(
                $"""
                CREATE SCHEMA "{schema}";
                CREATE TABLE "{schema}".jobs (
                    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    state         text        NOT NULL,
                    attempt       integer     NOT NULL DEFAULT 0,
                    scheduled_at  timestamptz NOT NULL,
                    attempted_at  timestamptz NULL,
                    attempted_by  text        NULL,
                    finalized_at  timestamptz NULL);
                CREATE INDEX jobs_due ON "{schema}".jobs (scheduled_at, id) WHERE state = 'available';
                INSERT INTO "{schema}".jobs (state, scheduled_at) SELECT 'available', now() - interval '1 second' FROM generate_series(1, {jobs});
                ANALYZE "{schema}".jobs;
                """);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(builder);
            return await RunWorkersAsync(jobs, workers, async worker =>
            {
                var done = 0;
                while (true)
                {
                    var ids = new List<long>(batch);
                    await using (var claim = dataSource.CreateCommand(
                        """
                        UPDATE jobs j SET state = 'running', attempt = j.attempt + 1, attempted_at = now(), attempted_by = $1
                        FROM (SELECT id FROM jobs WHERE state = 'available' AND scheduled_at <= now()
                              ORDER BY scheduled_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due
                        WHERE j.id = due.id
                        RETURNING j.id
                        """))
                    {
                        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"worker-{worker}" });
                        claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch });
                        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            ids.Add(reader.GetInt64(0));
                        }
                    }

                    if (ids.Count == 0)
                    {
                        return done;
                    }

                    await using var complete = dataSource.CreateCommand(
                        "UPDATE jobs SET state = 'completed', finalized_at = now() WHERE id = ANY($1) AND state = 'running'");
                    complete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
                    done += await complete.ExecuteNonQueryAsync(cancellationToken);
                }
            });
        }
        finally
        {
            await using var admin = NpgsqlDataSource.Create(connectionString);
            await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// One connection for all workers (SQLite has one writer; the workers take turns in-process, as Courier's store
    /// instances do), WAL, claims committed with <c>synchronous=NORMAL</c> and completions with <c>FULL</c>, as Courier's.
    /// </summary>
    private static async Task<double> MeasureSqliteAsync(int jobs, int workers, int batch, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("courier-bench-rawqueue-").FullName;
        try
        {
            var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "queue.db"), Pooling = false }.ConnectionString;
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            Execute(connection,
                $"""
                PRAGMA journal_mode = WAL;
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
                """);

            using var claim = Prepare(connection,
                """
                UPDATE jobs SET state = 'running', attempt = attempt + 1, attempted_at = $now, attempted_by = $worker
                WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due WHERE state = 'available' AND scheduled_at <= $now ORDER BY scheduled_at, id LIMIT $limit)
                RETURNING id
                """, "$now", "$worker", "$limit");
            using var complete = Prepare(connection,
                "UPDATE jobs SET state = 'completed', finalized_at = $now WHERE id IN (SELECT value FROM json_each($ids)) AND state = 'running'",
                "$now", "$ids");
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
                    var ids = new List<long>(batch);
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
                                ids.Add(reader.GetInt64(0));
                            }
                        }

                        commit.ExecuteNonQuery();
                    }
                    finally
                    {
                        writer.Release();
                    }

                    if (ids.Count == 0)
                    {
                        return done;
                    }

                    await writer.WaitAsync(cancellationToken);
                    try
                    {
                        full.ExecuteNonQuery();
                        begin.ExecuteNonQuery();
                        complete.Parameters["$now"].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        complete.Parameters["$ids"].Value = "[" + string.Join(',', ids) + "]";
                        done += complete.ExecuteNonQuery();
                        commit.ExecuteNonQuery();
                    }
                    finally
                    {
                        writer.Release();
                    }
                }
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
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
