using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    public async Task<StoreStatistics> GetStatisticsAsync(DateTimeOffset recentSince, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT mode, target, sum(succeeded)::bigint, sum(failed)::bigint, sum(bytes)::bigint FROM (
                SELECT mode, target, succeeded, failed, bytes FROM attempt_totals
                UNION ALL
                SELECT mode, target, count(*) FILTER (WHERE succeeded), count(*) FILTER (WHERE NOT succeeded), coalesce(sum(bytes), 0)
                FROM attempts GROUP BY mode, target) t
            GROUP BY mode, target ORDER BY target, mode
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT mode, target, count(*) FILTER (WHERE succeeded), count(*) FILTER (WHERE NOT succeeded), coalesce(sum(bytes), 0)::bigint
            FROM attempts WHERE started_at >= @since GROUP BY mode, target ORDER BY target, mode
            """)
        {
            Parameters = { Time("since", recentSince) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT target, state, count(*) FROM deliveries GROUP BY target, state ORDER BY target, state"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT extract(epoch FROM distributed_at - submitted_at)::float8 FROM video_versions
            WHERE distributed_at IS NOT NULL ORDER BY distributed_at DESC LIMIT @samples
            """)
        {
            Parameters = { P("samples", PostgresStoreDefaults.DistributedSamples) },
        });

        // Of the most recent ingested versions, per target: seconds from the ingest's start to the first rendition
        // delivered there, and to video.available there (null until the version is available there).
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT d.target, extract(epoch FROM min(d.delivered_at) - v.ingest_started_at)::float8, extract(epoch FROM av.at - v.ingest_started_at)::float8
            FROM (SELECT video_id, version, ingest_started_at FROM video_versions
                  WHERE ingest_started_at IS NOT NULL ORDER BY ingest_started_at DESC LIMIT @samples) v
            JOIN deliveries d ON d.video_id = v.video_id AND d.version = v.version AND d.operation = 'push' AND d.delivered_at IS NOT NULL
            LEFT JOIN (SELECT e.video_id, e.version, a.target, min(e.created_at) AS at
                       FROM events e JOIN deliveries a ON a.id = e.delivery_id
                       WHERE e.type = 'video.available' GROUP BY e.video_id, e.version, a.target) av
                   ON av.video_id = v.video_id AND av.version = v.version AND av.target = d.target
            GROUP BY v.video_id, v.version, v.ingest_started_at, d.target, av.at
            ORDER BY d.target
            """)
        {
            Parameters = { P("samples", PostgresStoreDefaults.DistributedSamples) },
        });

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var all = await ReadTalliesAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var recent = await ReadTalliesAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<StateTally>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states.Add(new StateTally(reader.GetString(0), State(reader.GetString(1)), reader.GetInt64(2)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var seconds = new List<double>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seconds.Add(reader.GetDouble(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var ingests = new List<IngestSample>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ingests.Add(new IngestSample(reader.GetString(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetDouble(2)));
        }

        return new StoreStatistics(all, recent, states, seconds) { Ingests = ingests };
    }

    private static async Task<List<AttemptTally>> ReadTalliesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var tallies = new List<AttemptTally>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tallies.Add(new AttemptTally(Mode(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return tallies;
    }

    public async Task<IReadOnlyList<AttemptBucket>> GetAttemptSeriesAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken)
    {
        if (bucket <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "the bucket must be a positive time span");
        }

        // Bucket numbers in whole microseconds (PostgreSQL's resolution), so the buckets are exact.
        await using var command = _dataSource.CreateCommand(
            """
            SELECT (extract(epoch FROM started_at - @since) * 1000000)::bigint / @bucket AS n, mode,
                   count(*) FILTER (WHERE succeeded), count(*) FILTER (WHERE NOT succeeded)
            FROM attempts WHERE started_at >= @since
            GROUP BY n, mode ORDER BY n, mode
            """);
        command.Parameters.Add(Time("since", since));
        command.Parameters.Add(P("bucket", Math.Max(bucket.Ticks / TimeSpan.TicksPerMicrosecond, 1L)));
        var buckets = new List<AttemptBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = since + TimeSpan.FromTicks(reader.GetInt64(0) * bucket.Ticks);
            buckets.Add(new AttemptBucket(start, Mode(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return buckets.OrderBy(b => b.Start).ThenBy(b => b.Mode).ToList();
    }

    /// <summary>
    /// Retention, in chunks so no statement holds locks for long: each chunk deletes old attempts and folds them into
    /// <c>attempt_totals</c> in the same statement (the totals are whole at every commit). Then the old events every
    /// consumer has passed.
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var removed = 0;
        while (true)
        {
            await using var command = _dataSource.CreateCommand(
                """
                WITH gone AS (
                    DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE started_at < @before ORDER BY started_at LIMIT @chunk)
                    RETURNING mode, target, succeeded, bytes),
                folded AS (
                    INSERT INTO attempt_totals (mode, target, succeeded, failed, bytes)
                    SELECT mode, target, count(*) FILTER (WHERE succeeded), count(*) FILTER (WHERE NOT succeeded), coalesce(sum(bytes), 0)
                    FROM gone GROUP BY mode, target
                    ON CONFLICT (mode, target) DO UPDATE SET
                        succeeded = attempt_totals.succeeded + excluded.succeeded,
                        failed = attempt_totals.failed + excluded.failed,
                        bytes = attempt_totals.bytes + excluded.bytes)
                SELECT count(*) FROM gone
                """);
            command.Parameters.Add(Time("before", before));
            command.Parameters.Add(P("chunk", PostgresStoreDefaults.PruneChunk));
            var chunk = (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            removed += chunk;
            if (chunk < PostgresStoreDefaults.PruneChunk)
            {
                break;
            }
        }

        await using var events = _dataSource.CreateCommand(
            """
            DELETE FROM events WHERE created_at < @before
              AND id <= coalesce((SELECT min(position) FROM event_consumers), 9223372036854775807)
            """);
        events.Parameters.Add(Time("before", before));
        await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }
}
