using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    /// <summary>How many of the most recent distributed versions time-to-distributed is computed from.</summary>
    internal const int DistributedSamples = 10_000;

    /// <summary>
    /// Of the most recent ingested versions, per target: milliseconds from the ingest's start to the first rendition
    /// delivered there, and to <c>video.available</c> there (null until the version is available there).
    /// </summary>
    private const string IngestSamplesSql =
        """
        SELECT d.target, min(d.delivered_at) - v.ingest_started_at, av.at - v.ingest_started_at
        FROM (SELECT video_id, version, ingest_started_at FROM video_versions
              WHERE ingest_started_at IS NOT NULL ORDER BY ingest_started_at DESC LIMIT @limit) v
        JOIN deliveries d ON d.video_id = v.video_id AND d.version = v.version AND d.operation = 'push' AND d.delivered_at IS NOT NULL
        LEFT JOIN (SELECT e.video_id, e.version, a.target, min(e.created_at) AS at
                   FROM events e JOIN deliveries a ON a.id = e.delivery_id
                   WHERE e.type = 'video.available' GROUP BY e.video_id, e.version, a.target) av
               ON av.video_id = v.video_id AND av.version = v.version AND av.target = d.target
        GROUP BY v.video_id, v.version, d.target
        ORDER BY d.target
        """;

    public async Task<StoreStatistics> GetStatisticsAsync(DateTimeOffset recentSince, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginRead(connection);

        var all = await ReadTalliesAsync(
            connection,
            transaction,
            """
            SELECT mode, target, sum(succeeded), sum(failed), sum(bytes) FROM (
                SELECT mode, target, sum(succeeded) AS succeeded, sum(1 - succeeded) AS failed, sum(bytes) AS bytes FROM attempts GROUP BY mode, target
                UNION ALL
                SELECT mode, target, succeeded, failed, bytes FROM attempt_totals)
            GROUP BY mode, target
            ORDER BY target, mode
            """,
            cancellationToken).ConfigureAwait(false);

        var recent = await ReadTalliesAsync(
            connection,
            transaction,
            """
            SELECT mode, target, sum(succeeded), sum(1 - succeeded), sum(bytes) FROM attempts
            WHERE started_at >= @since
            GROUP BY mode, target
            ORDER BY target, mode
            """,
            cancellationToken,
            ("@since", SqliteMapping.Ms(recentSince))).ConfigureAwait(false);

        var states = new List<StateTally>();
        await using (var select = SqliteMapping.Command(connection, transaction, "SELECT target, state, count(*) FROM deliveries GROUP BY target, state ORDER BY target, state"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                states.Add(new StateTally(reader.GetString(0), SqliteMapping.State(reader.GetString(1)), reader.GetInt64(2)));
            }
        }

        var seconds = new List<double>();
        await using (var select = SqliteMapping.Command(
            connection,
            transaction,
            "SELECT distributed_at - submitted_at FROM video_versions WHERE distributed_at IS NOT NULL ORDER BY distributed_at DESC LIMIT @limit",
            ("@limit", DistributedSamples)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                seconds.Add(reader.GetInt64(0) / 1000.0);
            }
        }

        var ingests = new List<IngestSample>();
        await using (var select = SqliteMapping.Command(connection, transaction, IngestSamplesSql, ("@limit", DistributedSamples)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ingests.Add(new IngestSample(reader.GetString(0), reader.GetInt64(1) / 1000.0, reader.IsDBNull(2) ? null : reader.GetInt64(2) / 1000.0));
            }
        }

        return new StoreStatistics(all, recent, states, seconds) { Ingests = ingests };
    }

    private static async Task<List<AttemptTally>> ReadTalliesAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var tallies = new List<AttemptTally>();
        await using var select = SqliteMapping.Command(connection, transaction, sql, parameters);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tallies.Add(new AttemptTally(SqliteMapping.Mode(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return tallies;
    }

    public async Task<IReadOnlyList<AttemptBucket>> GetAttemptSeriesAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken)
    {
        var bucketMs = (long)bucket.TotalMilliseconds;
        if (bucketMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "a bucket must last at least a millisecond");
        }

        var start = SqliteMapping.Ms(since);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT (started_at - @since) / @bucket AS slot, mode, sum(succeeded), sum(1 - succeeded) FROM attempts
            WHERE started_at >= @since
            GROUP BY slot, mode
            """,
            ("@since", start),
            ("@bucket", bucketMs));
        var buckets = new List<AttemptBucket>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            buckets.Add(new AttemptBucket(SqliteMapping.Time(start + (reader.GetInt64(0) * bucketMs)), SqliteMapping.Mode(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return buckets.OrderBy(b => b.Start).ThenBy(b => b.Mode).ToList();
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = SqliteMapping.Ms(before);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        await using (var rollUp = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO attempt_totals (mode, target, succeeded, failed, bytes)
            SELECT mode, target, sum(succeeded), sum(1 - succeeded), sum(bytes) FROM attempts WHERE started_at < @before GROUP BY mode, target
            ON CONFLICT (mode, target) DO UPDATE SET
                succeeded = succeeded + excluded.succeeded,
                failed = failed + excluded.failed,
                bytes = bytes + excluded.bytes
            """,
            ("@before", cutoff)))
        {
            await rollUp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int removed;
        await using (var delete = SqliteMapping.Command(connection, transaction, "DELETE FROM attempts WHERE started_at < @before", ("@before", cutoff)))
        {
            removed = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var events = SqliteMapping.Command(
            connection,
            transaction,
            "DELETE FROM events WHERE created_at < @before AND id <= coalesce((SELECT min(position) FROM event_consumers), 9223372036854775807)",
            ("@before", cutoff)))
        {
            await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }
}
