using System.Collections.Concurrent;
using System.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Sqlite.Tests;

/// <summary>What only SQLite needs proving: one file shared by processes, WAL and its settings, the claim's query plan.</summary>
public sealed class SqliteDeliveryStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private static NewVideoVersion Video(string videoId, int renditions, int targets) => new(
        videoId,
        $"{videoId}-content",
        Enumerable.Range(0, renditions).Select(i => new NewRendition($"r{i:000}", $"{videoId}/r{i:000}.mp4", RenditionKind.File, $"fp{i}", 1000, 1)).ToList(),
        Enumerable.Range(0, targets).Select(i => $"cdn-{i:000}").ToList());

    [Fact]
    public async Task Two_store_instances_on_one_file_claim_and_complete_concurrently_without_busy_errors()
    {
        // Two connection strings, so two connection pools: as the CLI and `courier serve` would open the file.
        using var first = _database.OpenStore();
        using var second = _database.OpenStore(connectionString: _database.ConnectionString + ";Mode=ReadWriteCreate");
        await Task.WhenAll(Task.Run(() => first.MigrateAsync(Ct), Ct), Task.Run(() => second.MigrateAsync(Ct), Ct));
        var seeded = await first.SubmitAsync(Video("movie-1", 25, 20), "seed", T0, Ct);
        (await first.ReleaseNodeAsync("seed", T0, Ct)).ShouldBe(500);
        var delivered = new ConcurrentBag<Guid>();
        var errors = new ConcurrentBag<Exception>();

        async Task WorkAsync(IDeliveryStore store, string node)
        {
            try
            {
                for (var round = 0; round < 500; round++)
                {
                    var batch = await store.ClaimDueAsync(node, 5, T0 + TimeSpan.FromSeconds(1), [], Ct);
                    if (batch.Count == 0)
                    {
                        return;
                    }

                    foreach (var claim in batch)
                    {
                        var attempt = new AttemptRecord(AttemptMode.Async, true, null, null, 1000, TimeSpan.FromMilliseconds(20), T0 + TimeSpan.FromSeconds(1), node);
                        var completion = new DeliveryCompletion(claim.Id, claim.LeaseToken, DeliveryState.Delivered, true, null, null, null, 1000, "sha", attempt, T0 + TimeSpan.FromSeconds(2));
                        (await store.CompleteAsync(completion, Ct)).ShouldBeTrue();
                        delivered.Add(claim.Id);
                    }
                }
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }

        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 4).SelectMany(n => new[]
        {
            Task.Run(() => WorkAsync(first, $"first-{n}"), Ct),
            Task.Run(() => WorkAsync(second, $"second-{n}"), Ct),
            Task.Run(() => first.HeartbeatAsync($"first-{n}", T0 + TimeSpan.FromSeconds(1), Ct), Ct),
        });
        await Task.WhenAll(workers);
        TestContext.Current.TestOutputHelper?.WriteLine($"500 claims and completions by 8 workers on 2 stores: {clock.ElapsedMilliseconds} ms");

        errors.ShouldBeEmpty();
        delivered.Count.ShouldBe(500);
        delivered.Distinct().Order().ShouldBe(seeded.Claimed.Select(c => c.Id).Order());
        var stats = await second.GetStatisticsAsync(T0, Ct);
        stats.Attempts.Count.ShouldBe(20);
        stats.Attempts.ShouldAllBe(t => t.Mode == AttemptMode.Async && t.Succeeded == 25 && t.Failed == 0 && t.Bytes == 25_000, "one attempt per delivery: 25 renditions per target");
        (await first.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().DistributedAt.ShouldBe(T0 + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_ledger_written_at_schema_version_1_moves_forward_with_its_videos_and_event_consumers()
    {
        var submitted = T0.ToUnixTimeMilliseconds();
        using (var raw = _database.OpenRaw())
        using (var old = raw.CreateCommand())
        {
            old.CommandText =
                "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL);" +
                SqliteDeliveryStore.Migrations[0].Sql +
                $"""
                ;
                INSERT INTO schema_version (version, name) VALUES (1, 'init');
                INSERT INTO videos (video_id, version, fingerprint, submitted_at) VALUES ('movie-1', 1, 'fp', {submitted});
                INSERT INTO renditions VALUES ('movie-1', 1, '360p', 'movie-1/360p.mp4', 'file', 'fp', 1000, 1);
                INSERT INTO deliveries (id, video_id, version, rendition, target, state, lease_owner, lease_token, created_at, updated_at)
                VALUES ('{Guid.NewGuid()}', 'movie-1', 1, '360p', 'cdn', 'in_flight', 'node-gone', '{Guid.NewGuid()}', {submitted}, {submitted});
                INSERT INTO consumers (consumer, position, lease_owner, lease_until) VALUES ('hook', 0, 'node-gone', {submitted + 3_600_000});
                """;
            old.ExecuteNonQuery();
        }

        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);

        var video = (await store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull();
        video.Version.ShouldBe(1);
        video.SubmittedAt.ShouldBe(T0);
        (await store.TryLeaseConsumerAsync("hook", "node-b", T0, TimeSpan.FromMinutes(1), Ct)).ShouldBeNull("node-gone's lease on the consumer is kept");
        (await store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromMinutes(1), Ct)).ShouldBe(1);
        (await store.GetVideoAsync("movie-1", Ct))!.Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Queued);
    }

    [Fact]
    public async Task A_ledger_written_at_schema_version_2_moves_forward_to_versions_that_supersede_with_its_rows_and_references_whole()
    {
        var at = T0.ToUnixTimeMilliseconds();
        var delivered = Guid.NewGuid();
        var queued = Guid.NewGuid();
        using (var raw = _database.OpenRaw())
        using (var old = raw.CreateCommand())
        {
            old.CommandText =
                "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL);" +
                SqliteDeliveryStore.Migrations[0].Sql + ";" + SqliteDeliveryStore.Migrations[1].Sql +
                $"""
                ;
                INSERT INTO schema_version (version, name) VALUES (1, 'init'), (2, 'shared_names');
                INSERT INTO video_versions (video_id, version, fingerprint, submitted_at, distributed_at) VALUES ('movie-1', 1, 'fp-1', {at}, {at + 1000});
                INSERT INTO video_versions (video_id, version, fingerprint, submitted_at) VALUES ('movie-1', 2, 'fp-2', {at + 2000});
                INSERT INTO renditions VALUES ('movie-1', 1, '360p', 'movie-1/360p.mp4', 'file', 'fp-1', 1000, 1);
                INSERT INTO renditions VALUES ('movie-1', 2, '360p', 'movie-1/360p.mp4', 'file', 'fp-2', 1000, 1);
                INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, created_at, updated_at, delivered_at)
                VALUES ('{delivered}', 'movie-1', 1, '360p', 'cdn', 'delivered', 1, {at}, {at + 1000}, {at + 1000});
                INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at)
                VALUES ('{queued}', 'movie-1', 2, '360p', 'cdn', 'queued', 1, {at + 3_600_000}, {at + 2000}, {at + 3000});
                INSERT INTO attempts (delivery_id, target, mode, succeeded, bytes, duration_ms, started_at, node_id)
                VALUES ('{delivered}', 'cdn', 'sync', 1, 1000, 10, {at}, 'node-a');
                """;
            old.ExecuteNonQuery();
        }

        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);

        var first = (await store.GetVideoVersionAsync("movie-1", 1, Ct)).ShouldNotBeNull();
        (first.Action, first.DistributedAt).ShouldBe((DeliveryOperation.Push, T0 + TimeSpan.FromSeconds(1)));
        var kept = first.Deliveries.ShouldHaveSingleItem();
        (kept.Id, kept.State, kept.Operation, kept.DeliveredAt).ShouldBe((delivered, DeliveryState.Delivered, DeliveryOperation.Push, T0 + TimeSpan.FromSeconds(1)));
        (await store.GetDeliveryAsync(queued, Ct)).ShouldNotBeNull().State.ShouldBe(DeliveryState.Queued);
        (await store.GetStatisticsAsync(T0, Ct)).Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn", 1, 0, 1000)], "the attempts still refer to their delivery");
        await using (var connection = await store.OpenAsync(Ct))
        await using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA foreign_key_check";
            await using var reader = await check.ExecuteReaderAsync(Ct);
            (await reader.ReadAsync(Ct)).ShouldBeFalse("every reference of the rebuilt tables holds");
        }

        var rollback = await store.SubmitAsync(new NewVideoVersion("movie-1", "fp-1", [new NewRendition("360p", "movie-1/360p.mp4", RenditionKind.File, "fp-1", 1000, 1)], ["cdn"]), "node-a", T0 + TimeSpan.FromMinutes(1), Ct);

        (rollback.Version, rollback.IsNewVersion).ShouldBe((3, true), "version 1's content again is a new version: one fingerprint may now name several");
        rollback.Claimed.ShouldHaveSingleItem().Version.ShouldBe(3);
        (await store.GetDeliveryAsync(queued, Ct)).ShouldNotBeNull().State.ShouldBe(DeliveryState.Superseded);
    }

    [Fact]
    public async Task Two_processes_migrating_one_new_file_at_once_both_succeed_and_apply_each_migration_once()
    {
        using var first = _database.OpenStore();
        using var second = _database.OpenStore(connectionString: _database.ConnectionString + ";Mode=ReadWriteCreate");

        await Task.WhenAll(Task.Run(() => first.MigrateAsync(Ct), Ct), Task.Run(() => second.MigrateAsync(Ct), Ct));

        using var raw = _database.OpenRaw();
        using var versions = raw.CreateCommand();
        versions.CommandText = "SELECT version, name FROM schema_version ORDER BY version";
        var applied = new List<(long, string)>();
        using (var reader = versions.ExecuteReader())
        {
            while (reader.Read())
            {
                applied.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        applied.ShouldBe(SqliteDeliveryStore.Migrations.Select(m => ((long)m.Version, m.Name)));
        applied[0].ShouldBe((1L, "init"));
        await first.PingAsync(Ct);
        await second.PingAsync(Ct);
    }

    [Fact]
    public async Task The_file_is_in_WAL_mode_and_connections_have_foreign_keys_full_sync_and_the_busy_timeout()
    {
        using var store = _database.OpenStore(TimeSpan.FromSeconds(7));
        await store.MigrateAsync(Ct);

        using (var raw = _database.OpenRaw())
        {
            Scalar(raw, "PRAGMA journal_mode").ShouldBe("wal", "WAL is a property of the file, seen by every process");
        }

        await using var connection = await store.OpenAsync(Ct);
        Scalar(connection, "PRAGMA foreign_keys").ShouldBe(1L);
        Scalar(connection, "PRAGMA synchronous").ShouldBe(2L, "FULL");
        Scalar(connection, "PRAGMA busy_timeout").ShouldBe(7000L);
        File.Exists(_database.Path + "-wal").ShouldBeTrue();
    }

    [Fact]
    public async Task A_delivery_for_an_unknown_rendition_is_refused_by_the_foreign_key()
    {
        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);
        await using var connection = await store.OpenAsync(Ct);
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO deliveries (id, video_id, version, rendition, target, state, created_at, updated_at) VALUES ('x', 'nope', 1, 'r', 't', 'queued', 0, 0)";

        var refused = Should.Throw<SqliteException>(() => insert.ExecuteNonQuery());

        refused.SqliteErrorCode.ShouldBe(19, "SQLITE_CONSTRAINT");
    }

    [Fact]
    public async Task The_claim_query_walks_the_due_index_and_not_the_whole_queue()
    {
        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);
        await store.SubmitAsync(Video("movie-1", 100, 100), "seed", T0, Ct);
        (await store.ReleaseNodeAsync("seed", T0 + TimeSpan.FromHours(1), Ct)).ShouldBe(10_000, "10,000 queued deliveries, none due before T0+1h");

        await using var connection = await store.OpenAsync(Ct);
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteDeliveryStore.DueSql;
        explain.Parameters.AddWithValue("@now", T0.ToUnixTimeMilliseconds());
        explain.Parameters.AddWithValue("@excluded", "[\"cdn-001\"]");
        explain.Parameters.AddWithValue("@limit", 100);
        var plan = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        var text = string.Join(" | ", plan);
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        plan.ShouldContain(step => step.Contains("SEARCH deliveries USING INDEX deliveries_due (next_attempt_at<?)", StringComparison.Ordinal), text);
        plan.ShouldNotContain(step => step.StartsWith("SCAN deliveries", StringComparison.Ordinal), text);
        plan.ShouldNotContain(step => step.Contains("TEMP B-TREE", StringComparison.Ordinal), "the index gives the due order: " + text);

        var clock = Stopwatch.StartNew();
        (await store.ClaimDueAsync("node-a", 100, T0, [], Ct)).ShouldBeEmpty();
        TestContext.Current.TestOutputHelper?.WriteLine($"claim with nothing due over 10,000 queued: {clock.Elapsed.TotalMilliseconds:0.0} ms");
        (await store.ClaimDueAsync("node-a", 100, T0 + TimeSpan.FromHours(1), [], Ct)).Count.ShouldBe(100);
    }

    [Fact]
    public async Task Seconds_to_distributed_come_from_the_most_recent_ten_thousand_distributed_versions()
    {
        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);
        using (var raw = _database.OpenRaw())
        using (var transaction = raw.BeginTransaction())
        using (var insert = raw.CreateCommand())
        {
            // 10,005 distributed versions an hour apart: the 5 oldest took 999 s, the 10,000 newest 1..10 s; one more is not distributed.
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO video_versions (video_id, version, fingerprint, submitted_at, distributed_at) VALUES (@video, 1, 'fp', @submitted, @distributed)";
            var video = insert.Parameters.Add("@video", SqliteType.Text);
            var submitted = insert.Parameters.Add("@submitted", SqliteType.Integer);
            var distributed = insert.Parameters.Add("@distributed", SqliteType.Integer);
            for (var i = 0; i < 10_006; i++)
            {
                var at = T0.ToUnixTimeMilliseconds() + (i * 3_600_000L);
                video.Value = $"movie-{i}";
                submitted.Value = at;
                distributed.Value = i == 10_005 ? DBNull.Value : at + (i < 5 ? 999_000 : ((i % 10) + 1) * 1000);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        var seconds = (await store.GetStatisticsAsync(T0, Ct)).SecondsToDistributed;

        seconds.Count.ShouldBe(10_000);
        seconds.Max().ShouldBe(10.0);
        seconds.Min().ShouldBe(1.0);
    }

    [Fact]
    public async Task AddCourierSqliteStore_registers_a_working_store()
    {
        var services = new ServiceCollection().AddCourierSqliteStore(new SqliteStoreOptions { ConnectionString = _database.ConnectionString });
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IDeliveryStore>();
        await store.MigrateAsync(Ct);
        var result = await store.SubmitAsync(Video("movie-1", 1, 1), "node-a", T0, Ct);

        store.ShouldBeOfType<SqliteDeliveryStore>();
        provider.GetRequiredService<IDeliveryStore>().ShouldBeSameAs(store);
        provider.GetRequiredService<IDeliveryQueue>().ShouldBeSameAs(store);
        provider.GetRequiredService<INodeStore>().ShouldBeSameAs(store);
        provider.GetRequiredService<IEventStore>().ShouldBeSameAs(store);
        provider.GetRequiredService<IDeliveryQueries>().ShouldBeSameAs(store);
        provider.GetRequiredService<IStoreMaintenance>().ShouldBeSameAs(store);
        result.Claimed.Count.ShouldBe(1);
        File.Exists(_database.Path).ShouldBeTrue();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
