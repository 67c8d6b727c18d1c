using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Postgres;
using Microsoft.Extensions.DependencyInjection;
using static Courier.Postgres.Tests.TestData;

namespace Courier.Postgres.Tests;

/// <summary>What is particular to PostgreSQL; the behaviour every store shares is held by the compliance suite.</summary>
public sealed class PostgresDeliveryStoreTests
{
    [Fact]
    public async Task Nodes_starting_at_once_apply_each_migration_exactly_once()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        await db.ExecuteAsync($"DROP SCHEMA \"{db.Name}\" CASCADE");

        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(db.NewStoreAsync, Ct)));

        var versions = await db.ListAsync("SELECT version, name FROM schema_version ORDER BY version", r => (r.GetInt32(0), r.GetString(1)));
        versions.ShouldBe(PostgresDeliveryStore.Migrations().Select(m => (m.Version, m.Name)).ToList());
        versions[0].ShouldBe((1, "init"));
        await stores[^1].PingAsync(Ct);
        (await stores[^1].GetVideoAsync("nothing", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_ledger_written_at_schema_version_1_moves_forward_with_its_leases_and_deadline_flags()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var first = PostgresDeliveryStore.Migrations()[0];
        await db.ExecuteAsync($"DROP SCHEMA \"{db.Name}\" CASCADE; CREATE SCHEMA \"{db.Name}\"");
        await db.ExecuteAsync("CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        await db.ExecuteAsync(first.Sql);
        await db.ExecuteAsync(
            """
            INSERT INTO schema_version (version, name) VALUES (1, 'init');
            INSERT INTO video_versions (video_id, version, fingerprint, submitted_at, undelivered) VALUES ('movie-1', 1, 'fp', '2026-11-25T10:00:00Z', 1);
            INSERT INTO renditions VALUES ('movie-1', 1, '360p', 0, 'movie-1/360p.mp4', 'file', 'fp', 1000, 1);
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, owner_node, lease_token, created_at, updated_at, deadline_missed)
            VALUES (gen_random_uuid(), 'movie-1', 1, '360p', 'cdn', 'in_flight', 'node-gone', gen_random_uuid(), '2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z', true);
            INSERT INTO event_consumers (consumer, position, lease_node, lease_until) VALUES ('hook', 0, 'node-gone', '2026-11-25T11:00:00Z');
            """);

        var store = await db.NewStoreAsync();

        (await db.ListAsync("SELECT version FROM schema_version ORDER BY version", r => r.GetInt32(0))).ShouldBe(PostgresDeliveryStore.Migrations().Select(m => m.Version).ToList());
        (await store.MarkDeadlineMissedAsync(T0 + TimeSpan.FromDays(1), T0 + TimeSpan.FromDays(1), 10, Ct)).ShouldBeEmpty("the delivery was flagged before the migration");
        (await store.TryLeaseConsumerAsync("hook", "node-b", T0, TimeSpan.FromMinutes(1), Ct)).ShouldBeNull("node-gone's lease on the consumer is kept");
        (await store.ReclaimExpiredAsync(T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromMinutes(1), Ct)).ShouldBe(1);
        var delivery = (await store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Queued);
        delivery.LastError.ShouldBe("lease lost: node node-gone stopped sending heartbeats; taken back");
    }

    [Fact]
    public async Task A_ledger_written_at_schema_version_2_moves_forward_to_versions_that_supersede()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var migrations = PostgresDeliveryStore.Migrations();
        await db.ExecuteAsync($"DROP SCHEMA \"{db.Name}\" CASCADE; CREATE SCHEMA \"{db.Name}\"");
        await db.ExecuteAsync("CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        await db.ExecuteAsync(migrations[0].Sql);
        await db.ExecuteAsync(migrations[1].Sql);
        await db.ExecuteAsync(
            """
            INSERT INTO schema_version (version, name) VALUES (1, 'init'), (2, 'shared_names');
            INSERT INTO video_versions (video_id, version, fingerprint, submitted_at, distributed_at, undelivered) VALUES ('movie-1', 1, 'fp-1', '2026-11-25T10:00:00Z', '2026-11-25T10:00:01Z', 0);
            INSERT INTO video_versions (video_id, version, fingerprint, submitted_at, undelivered) VALUES ('movie-1', 2, 'fp-2', '2026-11-25T10:00:02Z', 1);
            INSERT INTO renditions VALUES ('movie-1', 1, '360p', 0, 'movie-1/360p.mp4', 'file', 'fp-1', 1000, 1);
            INSERT INTO renditions VALUES ('movie-1', 2, '360p', 0, 'movie-1/360p.mp4', 'file', 'fp-2', 1000, 1);
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, created_at, updated_at, delivered_at)
            VALUES ('00000000-0000-0000-0000-000000000001', 'movie-1', 1, '360p', 'cdn', 'delivered', 1, '2026-11-25T10:00:00Z', '2026-11-25T10:00:01Z', '2026-11-25T10:00:01Z');
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-000000000002', 'movie-1', 2, '360p', 'cdn', 'queued', 1, '2026-11-25T11:00:00Z', '2026-11-25T10:00:02Z', '2026-11-25T10:00:03Z');
            INSERT INTO attempts (delivery_id, target, mode, succeeded, bytes, duration_ms, started_at, node_id)
            VALUES ('00000000-0000-0000-0000-000000000001', 'cdn', 'sync', true, 1000, 10, '2026-11-25T10:00:00Z', 'node-a');
            """);

        var store = await db.NewStoreAsync();

        (await db.ListAsync("SELECT version FROM schema_version ORDER BY version", r => r.GetInt32(0))).ShouldBe(migrations.Select(m => m.Version).ToList());
        var first = (await store.GetVideoVersionAsync("movie-1", 1, Ct)).ShouldNotBeNull();
        first.Action.ShouldBe(DeliveryOperation.Push);
        var kept = first.Deliveries.ShouldHaveSingleItem();
        (kept.State, kept.Operation).ShouldBe((DeliveryState.Delivered, DeliveryOperation.Push));
        (await store.GetStatisticsAsync(T0, Ct)).Attempts.ShouldBe([new AttemptTally(AttemptMode.Sync, "cdn", 1, 0, 1000)]);

        var rollback = await store.SubmitAsync(Video("movie-1", ["360p"], ["cdn"], fingerprint: "fp-1"), "node-a", T0.AddMinutes(1), Ct);

        (rollback.Version, rollback.IsNewVersion).ShouldBe((3, true), "one fingerprint may now name several versions");
        rollback.Claimed.ShouldHaveSingleItem().Version.ShouldBe(3);
        var superseded = (await store.GetVideoVersionAsync("movie-1", 2, Ct)).ShouldNotBeNull().Deliveries.ShouldHaveSingleItem();
        superseded.State.ShouldBe(DeliveryState.Superseded);
        (await db.ScalarAsync<int>("SELECT undelivered FROM video_versions WHERE version = 2")).ShouldBe(0, "superseded work is no longer counted as work to do");
    }

    [Fact]
    public async Task Nodes_claiming_while_newer_versions_are_submitted_never_hold_two_versions_of_one_video_and_target()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        const int Videos = 60;
        for (var n = 0; n < Videos; n++)
        {
            await db.Store.SubmitAsync(Video($"movie-{n}", ["360p"], ["cdn"]), "seed", T0, Ct);
        }

        await db.Store.ReleaseNodeAsync("seed", T0, Ct);
        var nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => db.NewStoreAsync()));
        var submitter = await db.NewStoreAsync();
        var submitting = Task.Run(async () =>
        {
            var claims = new List<ClaimedDelivery>();
            for (var n = 0; n < Videos; n++)
            {
                claims.AddRange((await submitter.SubmitAsync(Video($"movie-{n}", ["360p"], ["cdn"], fingerprint: "fp-2"), "submitter", T0, Ct)).Claimed);
            }

            return claims;
        }, Ct);
        var claiming = nodes.Select((store, i) => Task.Run(async () =>
        {
            var mine = new List<ClaimedDelivery>();
            while (true)
            {
                var finished = submitting.IsCompleted;
                var batch = await store.ClaimDueAsync($"node-{i}", 2, T0, [], Ct);
                mine.AddRange(batch);
                if (batch.Count == 0 && finished)
                {
                    return mine;
                }
            }
        }, Ct)).ToList();

        var all = (await Task.WhenAll(claiming)).SelectMany(c => c).Concat(await submitting).ToList();

        foreach (var video in all.GroupBy(c => c.VideoId))
        {
            video.Select(c => c.Version).ShouldHaveSingleItem($"{video.Key}: version 1 and version 2 must never both be handed out while version 1's lease is held");
        }

        all.Select(c => c.VideoId).Distinct().Count().ShouldBe(Videos, "each video's newest work, or the push it waits for, was handed out once");
        (await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE version = 1 AND state <> 'superseded'")).ShouldBe(0);
        (await db.ScalarAsync<long>(
            """
            SELECT count(*) FROM deliveries v2 JOIN deliveries v1 ON v1.video_id = v2.video_id AND v1.target = v2.target AND v1.version = 1
            WHERE v2.version = 2 AND v2.state = 'in_flight' AND v1.lease_token IS NOT NULL
            """)).ShouldBe(0, "no version 2 push is in flight while version 1's push still holds the keys");
    }

    [Fact]
    public async Task Each_store_keeps_to_its_own_schema()
    {
        await using var first = await PostgresTestSchema.CreateAsync();
        await using var second = await PostgresTestSchema.CreateAsync();

        await first.Store.SubmitAsync(Video("movie-1", ["360p"], ["cdn"]), "node-a", T0, Ct);

        (await first.Store.GetVideoAsync("movie-1", Ct)).ShouldNotBeNull();
        (await second.Store.GetVideoAsync("movie-1", Ct)).ShouldBeNull();
        (await first.ScalarAsync<long>($"SELECT count(*) FROM \"{first.Name}\".deliveries")).ShouldBe(1);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM \"{second.Name}\".deliveries")).ShouldBe(0);
    }

    [Fact]
    public async Task Store_is_registered_by_AddCourierPostgresStore_and_disposed_with_the_container()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var services = new ServiceCollection().AddCourierPostgresStore(db.Options).BuildServiceProvider();

        var store = services.GetRequiredService<IDeliveryStore>();
        await store.MigrateAsync(Ct);
        await store.SubmitAsync(Video("movie-1", ["360p"], ["cdn"]), "node-a", T0, Ct);
        (await store.GetVideoAsync("movie-1", Ct))!.Deliveries.Single().State.ShouldBe(DeliveryState.InFlight);
        services.GetRequiredService<IDeliveryQueue>().ShouldBeSameAs(store);
        services.GetRequiredService<INodeStore>().ShouldBeSameAs(store);
        services.GetRequiredService<IEventStore>().ShouldBeSameAs(store);
        services.GetRequiredService<IDeliveryQueries>().ShouldBeSameAs(store);
        services.GetRequiredService<IStoreMaintenance>().ShouldBeSameAs(store);
        await services.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(() => store.PingAsync(Ct));
    }

    [Fact]
    public async Task Same_content_twice_is_one_version_and_claims_only_new_or_queued_deliveries()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var first = await db.Store.SubmitAsync(Video("movie-1", ["360p", "720p"], ["cdn", "edge"]), "node-a", T0, Ct);
        first.Version.ShouldBe(1);
        first.IsNewVersion.ShouldBeTrue();
        first.Claimed.Select(c => (c.Rendition, c.Target)).ShouldBe([("360p", "cdn"), ("360p", "edge"), ("720p", "cdn"), ("720p", "edge")]);
        await db.Store.CompleteAsync(Failed(first.Claimed[0], T0, T0.AddMinutes(5)), Ct);
        await db.Store.CompleteAsync(Delivered(first.Claimed[1], T0), Ct);

        var again = await db.Store.SubmitAsync(Video("movie-1", ["360p", "720p"], ["cdn", "edge", "south"]), "node-b", T0.AddSeconds(1), Ct);

        again.Version.ShouldBe(1);
        again.IsNewVersion.ShouldBeFalse();
        again.Claimed.Select(c => (c.Rendition, c.Target)).ShouldBe([("360p", "cdn"), ("360p", "south"), ("720p", "south")]);
        again.Claimed[0].Attempts.ShouldBe(1);
        again.Claimed[0].LeaseToken.ShouldNotBe(first.Claimed[0].LeaseToken);
        var video = await db.Store.GetVideoAsync("movie-1", Ct);
        video!.Deliveries.Count.ShouldBe(6);

        var changed = await db.Store.SubmitAsync(Video("movie-1", ["360p"], ["cdn"], fingerprint: "fp-2"), "node-a", T0.AddSeconds(2), Ct);
        changed.Version.ShouldBe(2);
        changed.IsNewVersion.ShouldBeTrue();
        (await db.Store.GetVideoAsync("movie-1", Ct))!.Version.ShouldBe(2);
        (await db.Store.GetVideoVersionAsync("movie-1", 1, Ct))!.Deliveries.Count.ShouldBe(6);
    }

    [Fact]
    public async Task Claiming_reads_only_due_rows_through_the_partial_index()
    {
        await using var db = await PostgresTestSchema.CreateAsync();

        // 20,000 not-yet-due queued rows and 5 due ones; the plan must start from deliveries_due, bounded by now.
        await SeedQueuedAsync(db, notDue: 20_000, due: 5);
        await db.ExecuteAsync("ANALYZE deliveries");
        var plan = string.Join('\n', await db.ListAsync(
            """
            EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
            SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= '2026-11-25T10:00:00Z' AND NOT (target = ANY('{}'))
            ORDER BY next_attempt_at, id LIMIT 100 FOR UPDATE SKIP LOCKED
            """,
            r => r.GetString(0)));
        plan.ShouldContain("deliveries_due");
        plan.ShouldContain("rows=5 loops=1");

        var claimed = await db.Store.ClaimDueAsync("node-a", 100, T0, [], Ct);
        claimed.Count.ShouldBe(5);
        claimed.ShouldAllBe(c => c.VideoId.StartsWith("due-"));
    }

    [Fact]
    public async Task A_claim_looks_up_files_and_attempts_by_delivery_even_before_the_tables_have_statistics()
    {
        await using var db = await PostgresTestSchema.CreateAsync();

        // A young ledger that autovacuum has not analyzed yet: 2,000 deliveries, each with a recorded file and an attempt
        // that moved bytes, and 3 due ones without either. A claim's plan is made once per connection and kept (the generic
        // plan, forced here), so a plan that reads all of delivery_files or attempts for every claimed row stays that way.
        await SeedQueuedAsync(db, notDue: 2_000, due: 3);
        await db.ExecuteAsync(
            """
            INSERT INTO delivery_files (delivery_id, key, bytes, sha256) SELECT id, 'seg.ts', 1000, NULL FROM deliveries WHERE video_id LIKE 'later-%';
            INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
            SELECT id, target, 'async', false, 'reset', 'network', 500, 10, '2026-11-25T09:30:00Z', 'node-a' FROM deliveries WHERE video_id LIKE 'later-%';
            """);
        (await db.ScalarAsync<float>("SELECT reltuples FROM pg_class WHERE relname = 'delivery_files' AND relnamespace = current_schema()::regnamespace")).ShouldBe(-1f);

        var plan = string.Join('\n', await db.ListAsync(
            $$"""
            SET plan_cache_mode = force_generic_plan;
            PREPARE claim_columns(uuid[]) AS
                SELECT {{PostgresMapping.ClaimColumns}}
                FROM deliveries d JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
                WHERE d.id = ANY($1);
            EXPLAIN EXECUTE claim_columns('{}');
            """,
            r => r.GetString(0)));
        plan.ShouldContain("delivery_files_pkey");
        plan.ShouldContain("attempts_delivery");
        plan.ShouldNotContain("Seq Scan on delivery_files");
        plan.ShouldNotContain("Seq Scan on attempts");

        // And what the claim says is still right: the due deliveries have no files and sent nothing; a delivery that has
        // both says so once it is due.
        var claimed = await db.Store.ClaimDueAsync("node-a", 10, T0, [], Ct);
        claimed.Count.ShouldBe(3);
        claimed.ShouldAllBe(c => !c.HasFiles && c.NothingSent);
        await db.ExecuteAsync("UPDATE deliveries SET next_attempt_at = '2026-11-25T09:59:00Z' WHERE video_id = 'later-2000'");
        var later = (await db.Store.ClaimDueAsync("node-a", 10, T0, [], Ct)).ShouldHaveSingleItem();
        later.HasFiles.ShouldBeTrue();
        later.NothingSent.ShouldBeFalse();
    }

    [Fact]
    public async Task The_claim_rules_look_at_a_videos_deliveries_to_a_target_through_the_unique_key_the_only_index_on_those_columns()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        await SeedQueuedAsync(db, notDue: 2_000, due: 3);
        await db.ExecuteAsync("ANALYZE");

        // Every claim and outcome writes a new row version of the delivery, and each index on the table (but partial ones
        // whose condition the row no longer meets) takes an entry for it: one index serves both the key and the rules' looks.
        var byVideoAndTarget = await db.ListAsync(
            """
            SELECT indexrelid::regclass::text FROM pg_index
            WHERE indrelid = 'deliveries'::regclass AND indpred IS NULL AND indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = 'deliveries'::regclass AND attname = 'video_id')
            """,
            r => r.GetString(0));
        byVideoAndTarget.ShouldBe(["deliveries_video_target_version_key"]);

        var plan = string.Join('\n', await db.ListAsync(
            $$"""
            SET plan_cache_mode = force_generic_plan;
            PREPARE claim_rules(text, text, int) AS
                SELECT d.id FROM deliveries d WHERE d.video_id = $1 AND d.target = $2 AND d.version = $3 AND {{PostgresDeliveryStore.ClaimRules}};
            EXPLAIN EXECUTE claim_rules('later-2000', 'cdn', 1);
            """,
            r => r.GetString(0)));
        plan.ShouldContain("deliveries_video_target_version_key on deliveries n");
        plan.ShouldNotContain("Seq Scan");

        // The rule still holds: a newer version's delivery to the target keeps the older one from being claimed.
        await db.ExecuteAsync(
            """
            INSERT INTO video_versions (video_id, version, fingerprint, submitted_at) VALUES ('due-1', 2, 'fp2', '2026-11-25T09:10:00Z');
            INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count)
            VALUES ('due-1', 2, '360p', 0, 'due-1/360p-v2.mp4', 'file', 'fp2', 1000, 1);
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES (gen_random_uuid(), 'due-1', 2, '360p', 'cdn', 'queued', 0, '2026-11-26T10:00:00Z', '2026-11-25T09:10:00Z', '2026-11-25T09:10:00Z');
            """);
        var claimed = await db.Store.ClaimDueAsync("node-a", 10, T0, [], Ct);
        claimed.Select(c => c.VideoId).Order().ShouldBe(["due-2", "due-3"]);
    }

    [Fact]
    public async Task A_claim_within_a_second_of_the_nodes_last_heartbeat_does_not_write_it_again()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        await SeedQueuedAsync(db, notDue: 0, due: 4);
        async Task<DateTimeOffset> HeartbeatAsync() => new(await db.ScalarAsync<DateTime>("SELECT heartbeat_at FROM nodes WHERE node_id = 'node-a'"), TimeSpan.Zero);

        (await db.Store.ClaimDueAsync("node-a", 1, T0, [], Ct)).ShouldHaveSingleItem();
        (await HeartbeatAsync()).ShouldBe(T0);

        // Nodes claim many times a second; each heartbeat was a statement and a commit on the same row.
        (await db.Store.ClaimDueAsync("node-a", 1, T0 + TimeSpan.FromSeconds(0.5), [], Ct)).ShouldHaveSingleItem();
        (await HeartbeatAsync()).ShouldBe(T0, "half a second after the last one, the claim leaves the heartbeat as it is");

        (await db.Store.ClaimDueAsync("node-a", 1, T0 + TimeSpan.FromSeconds(1), [], Ct)).ShouldHaveSingleItem();
        (await HeartbeatAsync()).ShouldBe(T0 + TimeSpan.FromSeconds(1));

        // An explicit heartbeat is always written.
        await db.Store.HeartbeatAsync("node-a", T0 + TimeSpan.FromSeconds(1.2), Ct);
        (await HeartbeatAsync()).ShouldBe(T0 + TimeSpan.FromSeconds(1.2));
    }

    [Fact]
    public async Task Nodes_claiming_at_once_never_get_the_same_delivery()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        await SeedQueuedAsync(db, notDue: 0, due: 600);
        var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => db.NewStoreAsync()));

        var claims = await Task.WhenAll(nodes.Select((store, i) => Task.Run(async () =>
        {
            var mine = new List<ClaimedDelivery>();
            for (var round = 0; round < 100; round++)
            {
                var batch = await store.ClaimDueAsync($"node-{i}", 7, T0, [], Ct);
                if (batch.Count == 0)
                {
                    break;
                }

                mine.AddRange(batch);
            }

            return mine;
        }, Ct)));

        var all = claims.SelectMany(c => c).ToList();
        all.Count.ShouldBe(600);
        all.Select(c => c.Id).Distinct().Count().ShouldBe(600);
        claims.ShouldAllBe(c => c.Count > 0);
        (await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE state = 'in_flight'")).ShouldBe(600);
    }

    [Fact]
    public async Task Last_two_deliveries_finishing_at_once_write_exactly_one_video_distributed_event()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var other = await db.NewStoreAsync();
        for (var round = 0; round < 20; round++)
        {
            var video = $"movie-{round}";
            var submitted = await db.Store.SubmitAsync(Video(video, ["360p", "720p"], ["cdn"]), "node-a", T0, Ct);
            var a = submitted.Claimed[0];
            var b = submitted.Claimed[1];

            var results = await Task.WhenAll(
                Task.Run(() => db.Store.CompleteAsync(Delivered(a, T0.AddSeconds(1)), Ct), Ct),
                Task.Run(() => other.CompleteAsync(Delivered(b, T0.AddSeconds(1)), Ct), Ct));

            results.ShouldAllBe(accepted => accepted);
            (await db.Store.GetVideoAsync(video, Ct))!.DistributedAt.ShouldBe(T0.AddSeconds(1));
        }

        var events = await db.Store.ReadEventsAsync(0, 1000, Ct);
        events.Count(e => e.Type == EventTypes.VideoDistributed).ShouldBe(20);
        events.GroupBy(e => e.VideoId).ShouldAllBe(g => g.Count() == 1);
    }

    [Fact]
    public async Task Event_reader_following_concurrent_writers_never_skips_an_event()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var writers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => db.NewStoreAsync()));
        var claims = new List<ClaimedDelivery>();
        for (var i = 0; i < 40; i++)
        {
            claims.AddRange((await db.Store.SubmitAsync(Video($"movie-{i}", ["360p", "720p", "1080p"], ["cdn"]), "node-a", T0, Ct)).Claimed);
        }

        // Writers finish deliveries as dead (two or three events each) while a consumer follows the outbox by position.
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<long>();
        var reader = Task.Run(async () =>
        {
            long position = 0;
            for (var round = 0; round < 1_000_000 && !writing.IsCancellationRequested; round++)
            {
                foreach (var e in await db.Store.ReadEventsAsync(position, 50, Ct))
                {
                    seen.Add(e.Id);
                    position = e.Id;
                }
            }

            foreach (var e in await db.Store.ReadEventsAsync(position, 10_000, Ct))
            {
                seen.Add(e.Id);
            }
        }, Ct);
        await Parallel.ForEachAsync(claims.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (item, token) =>
            (await writers[item.i % writers.Length].CompleteAsync(Dead(item.c, T0.AddSeconds(1)), token)).ShouldBeTrue());
        await writing.CancelAsync();
        await reader;

        var all = (await db.Store.ReadEventsAsync(0, 10_000, Ct)).Select(e => e.Id).ToList();
        all.Count.ShouldBe(120 + 40);
        seen.ShouldBe(all);
    }

    [Fact]
    public async Task Retention_folds_old_attempts_into_totals_in_chunks_and_statistics_stay_whole()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        var submitted = await db.Store.SubmitAsync(Video("movie-1", ["360p"], ["cdn"]), "node-a", T0, Ct);
        await db.Store.CompleteAsync(Failed(submitted.Claimed[0], T0, T0), Ct);
        var delivery = submitted.Claimed[0].Id;

        // 25,000 old attempts (more than two prune chunks) and one recent one.
        await db.ExecuteAsync(
            $"""
            INSERT INTO attempts (delivery_id, target, mode, succeeded, error, error_kind, bytes, duration_ms, started_at, node_id)
            SELECT '{delivery}', 'cdn', 'async', n % 5 <> 0, NULL, NULL, 100, 3, '2026-10-01T00:00:00Z'::timestamptz + n * interval '1 second', 'node-a'
            FROM generate_series(1, 25000) AS n
            """);
        var before = await db.Store.GetStatisticsAsync(T0, Ct);

        var removed = await db.Store.PruneAsync(T0.AddDays(-30), Ct);

        removed.ShouldBe(25_000);
        var after = await db.Store.GetStatisticsAsync(T0, Ct);
        after.Attempts.ShouldBe(before.Attempts, ignoreOrder: true);
        after.Attempts.Single(a => a.Mode == AttemptMode.Async).ShouldBe(new AttemptTally(AttemptMode.Async, "cdn", 20_000, 5_000, 2_500_000));
        (await db.ScalarAsync<long>("SELECT count(*) FROM attempts")).ShouldBe(1);
        (await db.Store.PruneAsync(T0.AddDays(-30), Ct)).ShouldBe(0);
        (await db.Store.GetStatisticsAsync(T0, Ct)).Attempts.ShouldBe(before.Attempts, ignoreOrder: true);
    }

    /// <summary>Queued deliveries inserted directly (fast): <paramref name="notDue"/> due in a day, <paramref name="due"/> due a minute ago.</summary>
    internal static async Task SeedQueuedAsync(PostgresTestSchema db, int notDue, int due)
    {
        await db.ExecuteAsync(
            $"""
            INSERT INTO video_versions (video_id, version, fingerprint, submitted_at)
            SELECT CASE WHEN n <= {due} THEN 'due-' ELSE 'later-' END || n, 1, 'fp', '2026-11-25T09:00:00Z' FROM generate_series(1, {notDue + due}) AS n;
            INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count)
            SELECT video_id, 1, '360p', 0, video_id || '/360p.mp4', 'file', 'fp', 1000, 1 FROM video_versions;
            INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at)
            SELECT gen_random_uuid(), video_id, 1, '360p', 'cdn', 'queued', 1,
                   CASE WHEN video_id LIKE 'due-%' THEN '2026-11-25T09:59:00Z'::timestamptz ELSE '2026-11-26T10:00:00Z'::timestamptz END,
                   '2026-11-25T09:00:00Z', '2026-11-25T09:00:00Z'
            FROM video_versions;
            """);
    }
}
