using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;

namespace Courier.Postgres.Tests;

[CollectionDefinition(nameof(NodeProcesses), DisableParallelization = true)]
public sealed class NodeProcesses;

/// <summary>
/// Several <c>courier</c> nodes, each a process of its own, share one database (schema) and one failure queue. They push
/// to a target that fails a third of pushes at random and records every push, so overlapping pushes of one key show.
/// </summary>
[Collection(nameof(NodeProcesses))]
public sealed class MultiNodeTests
{
    private const string Target = "cdn";
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(2);
    private static readonly string[] Renditions = ["360p", "720p", "1080p"];

    [Fact]
    public async Task Three_nodes_finish_3000_deliveries_with_none_lost_none_pushed_at_once_none_completed_twice()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        using var source = new SourceRoot();
        await CreatePushLogAsync(db);
        await SeedAsync(db, source, videos: 1000);
        (await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE state = 'queued'")).ShouldBe(3000);

        // A lease timeout long enough that a node starved of CPU (CI runs test projects side by side) keeps its work:
        // an overlap here must mean a store bug, not a slow heartbeat.
        var nodes = Enumerable.Range(1, 3).Select(i => NodeProcess.Start(db, $"node-{i}", source.Path, Target, pushMs: 3, failureRate: 1.0 / 3, TimeSpan.FromSeconds(5))).ToList();
        try
        {
            await Eventually.WaitAsync(
                async () => await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE state IN ('queued', 'in_flight')") == 0,
                TimeSpan.FromMinutes(3),
                "every delivery delivered or dead",
                () => string.Join('\n', nodes.Select(n => $"{n.NodeId} exited={n.HasExited}: {n.Output}")),
                TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.StopAsync()));
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }

        // None lost: every delivery ended delivered, or dead with its reason.
        var states = await db.ListAsync("SELECT state, count(*), count(*) FILTER (WHERE last_error IS NULL) FROM deliveries GROUP BY state", r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
        states.Sum(s => s.Item2).ShouldBe(3000);
        states.Select(s => s.Item1).ShouldBeSubsetOf(["delivered", "dead"]);
        states.Where(s => s.Item1 == "dead").Sum(s => s.Item3).ShouldBe(0, "every dead delivery says why");
        var delivered = states.Where(s => s.Item1 == "delivered").Sum(s => s.Item2);
        delivered.ShouldBeGreaterThan(2900);

        // The target really failed about a third of the pushes, and every node took part.
        var pushes = await db.ListAsync("SELECT count(*), count(*) FILTER (WHERE NOT succeeded), count(DISTINCT node) FROM push_log", r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        var (pushCount, failedPushes, pushingNodes) = pushes.Single();
        ((double)failedPushes / pushCount).ShouldBeInRange(0.25, 0.42);
        pushingNodes.ShouldBe(3);

        // None pushed by two nodes at the same time: no two pushes of one key overlap in time.
        var overlaps = await db.ScalarAsync<long>(
            """
            SELECT count(*) FROM push_log a JOIN push_log b ON a.key = b.key AND a.id < b.id
            WHERE a.started_at < coalesce(b.ended_at, 'infinity') AND b.started_at < coalesce(a.ended_at, 'infinity')
            """);
        overlaps.ShouldBe(0);
        (await db.ScalarAsync<long>("SELECT count(*) FROM push_log WHERE ended_at IS NULL")).ShouldBe(0);

        // None completed twice: one successful attempt per delivered delivery, none for a dead one, and the ledger holds
        // exactly the attempts each delivery counted.
        var ledger = await db.ListAsync(
            """
            SELECT d.state, d.attempts, count(a.id), count(a.id) FILTER (WHERE a.succeeded)
            FROM deliveries d LEFT JOIN attempts a ON a.delivery_id = d.id GROUP BY d.id
            """,
            r => (State: r.GetString(0), Counted: r.GetInt32(1), Recorded: r.GetInt64(2), Succeeded: r.GetInt64(3)));
        ledger.Count.ShouldBe(3000);
        ledger.Where(d => d.State == "delivered").ShouldAllBe(d => d.Succeeded == 1);
        ledger.Where(d => d.State == "dead").ShouldAllBe(d => d.Succeeded == 0);
        ledger.ShouldAllBe(d => d.Recorded == d.Counted);
        (await db.ScalarAsync<long>("SELECT count(DISTINCT node_id) FROM attempts WHERE mode = 'async'")).ShouldBe(3);

        // What the ledger calls delivered, the target holds: a successful push of that key.
        (await db.ScalarAsync<long>(
            """
            SELECT count(*) FROM deliveries d WHERE d.state = 'delivered' AND NOT EXISTS (
                SELECT 1 FROM push_log p WHERE p.key = d.video_id || '/' || d.rendition || '/' || d.rendition || '.mp4' AND p.succeeded)
            """)).ShouldBe(0);

        // One video.distributed event per fully delivered video.
        var distributedVideos = await db.ScalarAsync<long>("SELECT count(*) FROM (SELECT video_id FROM deliveries GROUP BY video_id HAVING bool_and(state = 'delivered')) v");
        (await db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'video.distributed'")).ShouldBe(distributedVideos);
    }

    [Fact]
    public async Task Work_of_a_node_killed_mid_push_is_finished_by_the_others_after_the_lease_timeout()
    {
        await using var db = await PostgresTestSchema.CreateAsync();
        using var source = new SourceRoot();
        await CreatePushLogAsync(db);
        await SeedAsync(db, source, videos: 80);

        var victim = NodeProcess.Start(db, "victim", source.Path, Target, pushMs: 150, failureRate: 0, LeaseTimeout);
        var nodes = new List<NodeProcess> { victim };
        try
        {
            await Eventually.WaitAsync(
                async () => await db.ScalarAsync<long>("SELECT count(*) FROM push_log WHERE node = 'victim' AND ended_at IS NULL") > 0,
                TimeSpan.FromSeconds(60),
                "the victim pushing",
                () => victim.Output);
            nodes.Add(NodeProcess.Start(db, "survivor-1", source.Path, Target, pushMs: 20, failureRate: 0, LeaseTimeout));
            nodes.Add(NodeProcess.Start(db, "survivor-2", source.Path, Target, pushMs: 20, failureRate: 0, LeaseTimeout));

            victim.Kill();
            await Eventually.WaitAsync(() => Task.FromResult(victim.HasExited), TimeSpan.FromSeconds(10), "the victim's death");
            var killedAt = TimeProvider.System.GetUtcNow();

            // What the victim held when it died: it can no longer change, the process is gone.
            var orphaned = await db.ListAsync("SELECT id FROM deliveries WHERE state = 'in_flight' AND lease_owner = 'victim'", r => r.GetGuid(0));
            orphaned.Count.ShouldBeGreaterThan(0);
            var lastHeartbeat = (await db.ListAsync("SELECT heartbeat_at FROM nodes WHERE node_id = 'victim'", r => r.GetFieldValue<DateTimeOffset>(0))).Single();

            await Eventually.WaitAsync(
                async () => await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE state IN ('queued', 'in_flight')") == 0,
                TimeSpan.FromSeconds(90),
                "every delivery delivered",
                () => string.Join('\n', nodes.Select(n => $"{n.NodeId} exited={n.HasExited}: {n.Output}")),
                TimeSpan.FromMilliseconds(200));

            (await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE state = 'delivered'")).ShouldBe(240);
            var finished = await db.ListAsync(
                $"SELECT delivery_id, node_id, started_at FROM attempts WHERE succeeded AND delivery_id = ANY('{{{string.Join(',', orphaned)}}}'::uuid[])",
                r => (Id: r.GetGuid(0), Node: r.GetString(1), StartedAt: r.GetFieldValue<DateTimeOffset>(2)));
            finished.Select(f => f.Id).ShouldBe(orphaned, ignoreOrder: true);
            finished.ShouldAllBe(f => f.Node.StartsWith("survivor-"));
            finished.ShouldAllBe(f => f.StartedAt >= lastHeartbeat + LeaseTimeout);
            finished.ShouldAllBe(f => f.StartedAt >= killedAt - TimeSpan.FromSeconds(1));
            (await db.ScalarAsync<long>($"SELECT count(*) FROM attempts WHERE node_id = 'victim' AND delivery_id = ANY('{{{string.Join(',', orphaned)}}}'::uuid[])")).ShouldBe(0);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.StopAsync()));
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }


    private static Task CreatePushLogAsync(PostgresTestSchema db) => db.ExecuteAsync(
        """
        CREATE TABLE push_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key text NOT NULL, node text NOT NULL,
                               started_at timestamptz NOT NULL, ended_at timestamptz NULL, succeeded boolean NULL);
        CREATE INDEX push_log_key ON push_log (key);
        """);

    /// <summary>Submits <paramref name="videos"/> × 3 renditions × 1 target through the store, then releases them to the queue, due now.</summary>
    private static async Task SeedAsync(PostgresTestSchema db, SourceRoot source, int videos)
    {
        var resolver = new SourceResolver(source.Path);
        var renditions = Renditions.Select(r =>
        {
            var content = resolver.Resolve(r, $"clips/{r}.mp4", "path");
            return new NewRendition(r, content.SourcePath, content.Kind, content.Fingerprint, content.TotalBytes, content.Files.Count);
        }).ToList();
        var now = TimeProvider.System.GetUtcNow();
        await Parallel.ForEachAsync(Enumerable.Range(0, videos), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, token) =>
        {
            var submitted = await db.Store.SubmitAsync(new NewVideoVersion($"movie-{i:0000}", $"fp-{i}", renditions, [Target]), "seed", now, token);
            submitted.Claimed.Count.ShouldBe(3);
        });
        (await db.Store.ReleaseNodeAsync("seed", now, Ct)).ShouldBe(videos * 3);
    }

    /// <summary>A source root with one small file per rendition, shared by every video.</summary>
    private sealed class SourceRoot : IDisposable
    {
        public SourceRoot()
        {
            Path = Directory.CreateTempSubdirectory("courier-pg-nodes-").FullName;
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "clips"));
            foreach (var rendition in Renditions)
            {
                File.WriteAllBytes(System.IO.Path.Combine(Path, "clips", $"{rendition}.mp4"), System.Text.Encoding.UTF8.GetBytes($"{rendition} bytes of a test clip"));
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
