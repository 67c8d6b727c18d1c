using System.Diagnostics;
using System.Globalization;
using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Courier.Postgres;
using Courier.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Courier.Bench;

/// <summary>
/// The stores under the asynchronous path. (1) Throughput: deliveries claimed and completed per second by 1, 2 and 4
/// workers — each a node of its own (own connection pool, own <see cref="RetryScanner"/>) pushing one at a time to a
/// no-op target — on PostgreSQL and SQLite. (2) Claim latency: <c>ClaimDueAsync(limit 10)</c> with 1,000 and with
/// 1,000,000 not-yet-due rows queued behind the due ones; the ratio shows claiming costs O(due rows), not O(queue). And
/// the same with none and with 100,000 deliveries of the queue claimed before by the same node, its clock running; the
/// ratio shows whether a claim reads again what was claimed since the table's last VACUUM.
/// PostgreSQL comes from <c>COURIER_TEST_POSTGRES</c> (<c>.ci/services start</c>); each run uses a schema of its own.
/// <c>--no-latency</c> skips (2); <c>--slots-only</c> skips the runs of one push at a time per node; <c>--deliveries N</c> times N
/// deliveries in (1) instead of 5,000; <c>--profile</c> adds, for (1), the time spent in each store call (<see cref="StoreTiming"/>).
/// </summary>
internal sealed class StoreBenchmark : IBenchmark
{
    private const string Target = "cdn";
    private const int RenditionsPerVideo = 10;
    private const int ClaimLimit = 10;
    private const int LatencySamples = 200;
    private const int LatencyWarmup = 20;

    public string Name => "store";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var connectionString = Environment.GetEnvironmentVariable("COURIER_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("COURIER_TEST_POSTGRES is not set: run `.ci/services start` and `source .ci/work/env`");
        // --deliveries N: a longer timed run than the default, whose 5,000 take under a second on four nodes.
        var deliveries = Option("--deliveries") is { } count
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : smoke ? 200 : 5_000;
        int[] queueSizes = smoke ? [1_000, 20_000] : [1_000, 1_000_000];
        int[] drainedSizes = smoke ? [0, 2_000] : [0, 100_000];
        using var source = new BenchSource();

        await PrintSettingsAsync(connectionString, output, cancellationToken);
        output.WriteLine($"   throughput: {deliveries} queued deliveries (due now), {RenditionsPerVideo} renditions × 1 target per video; worker = node with its own pool and RetryScanner (the work loop of `serve`, until nothing is due), pushes one at a time to a no-op target");

        // Warm-up (JIT, pools, plans), not reported.
        var kinds = Stores();
        foreach (var kind in kinds)
        {
            await using var backend = await Backend.CreateAsync(kind, connectionString, cancellationToken);
            await MeasureThroughputAsync(backend, source, 200, 2, 1, cancellationToken);
        }

        await JitSettle.WaitAsync(output, cancellationToken);

        var rates = new Dictionary<(string Store, int Workers), double>();
        var profiling = Environment.GetCommandLineArgs().Contains("--profile");
        var slotsOnly = Environment.GetCommandLineArgs().Contains("--slots-only");
        foreach (var kind in slotsOnly ? [] : kinds)
        {
            foreach (var workers in new[] { 1, 2, 4 })
            {
                await using var backend = await Backend.CreateAsync(kind, connectionString, cancellationToken);
                var profile = profiling ? new StringWriter() : null;
                var cpu = new StringWriter();
                var rate = await MeasureThroughputAsync(backend, source, deliveries, workers, 1, cancellationToken, profile, cpu);
                rates[(kind, workers)] = rate;
                output.WriteLine($"   {kind,-8} workers={workers}: {rate,8:0} deliveries/s claimed and completed");
                output.Write(cpu.ToString());
                output.Write(profile?.ToString());
            }
        }

        // Nodes as they run by default: Distribution:MaxConcurrency pushes at once, so claims take several rows and the
        // outcomes of one node meet in the store's write batcher (one round trip, or one SQLite commit, for several).
        // --slots N: pushes at once per node (Distribution:MaxConcurrency), the default unless given.
        var slots = Option("--slots") is { } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : CourierDefaults.MaxConcurrency;
        var slotRates = new Dictionary<(string Store, int Workers), double>();
        var rawRates = new Dictionary<string, double>();
        output.WriteLine($"   the same with {slots} pushes at once per node (Distribution:MaxConcurrency{(slots == CourierDefaults.MaxConcurrency ? " default" : string.Empty)}):");
        foreach (var kind in kinds)
        {
            foreach (var workers in new[] { 1, 4 })
            {
                await using var backend = await Backend.CreateAsync(kind, connectionString, cancellationToken);
                var profile = profiling ? new StringWriter() : null;
                var cpu = new StringWriter();
                var rate = await MeasureThroughputAsync(backend, source, deliveries, workers, slots, cancellationToken, profile, cpu);
                slotRates[(kind, workers)] = rate;
                output.WriteLine($"   {kind,-8} workers={workers} × {slots} slots: {rate,8:0} deliveries/s claimed and completed");
                output.Write(cpu.ToString());
                output.Write(profile?.ToString());
            }
        }

        // The raw limits on the same server and disk, 4 workers, each claiming a batch with one statement and completing it
        // with one more (RawQueue): a minimal job queue, and the same with the rows a delivery ledger cannot do without.
        output.WriteLine("   raw queue (one table, one partial index; claim a batch, complete it; nothing else), 4 workers;");
        output.WriteLine("   raw ledger (the same, plus a lease token, the outcome, an attempt row, a file row and a version counter per job):");
        var ledgerRates = new Dictionary<string, double>();
        foreach (var kind in kinds)
        {
            var serverCpu = kind == "postgres" ? await ServerCpu.FindAsync(connectionString, cancellationToken) : null;
            foreach (var (shape, rates16) in new[] { (RawQueue.Shape.Queue, rawRates), (RawQueue.Shape.Ledger, ledgerRates) })
            {
                foreach (var batch in new[] { 16, 8, 4 })
                {
                    var meter = CpuMeter.Start(serverCpu);
                    var raw = await RawQueue.MeasureAsync(kind, connectionString, deliveries * 2, 4, batch, shape, cancellationToken);
                    var (client, server) = meter.PerItem(deliveries * 2);
                    var name = shape == RawQueue.Shape.Queue ? "queue" : "ledger";
                    output.WriteLine($"   {kind,-8} raw {name,-6}, batches of {batch,2}: {raw,8:0} jobs/s; CPU per job {client:0} µs here{(server is { } s ? $", {s:0} µs in PostgreSQL" : string.Empty)}");
                    rates16.TryAdd(kind, raw);
                }
            }

            output.WriteLine($"   {kind,-8} Courier / raw queue: 1 × {slots} slots = {slotRates[(kind, 1)] / rawRates[kind]:0.00}, 4 × {slots} slots = {slotRates[(kind, 4)] / rawRates[kind]:0.00} (of the raw rate in batches of 16)");
            output.WriteLine($"   {kind,-8} Courier / raw ledger: 1 × {slots} slots = {slotRates[(kind, 1)] / ledgerRates[kind]:0.00}, 4 × {slots} slots = {slotRates[(kind, 4)] / ledgerRates[kind]:0.00} (of the raw rate in batches of 16)");
        }

        foreach (var kind in slotsOnly ? [] : kinds)
        {
            output.WriteLine($"   {kind,-8} scaling: 2 workers = {rates[(kind, 2)] / rates[(kind, 1)]:0.00}× one, 4 workers = {rates[(kind, 4)] / rates[(kind, 1)]:0.00}× one");
        }

        if (kinds.Length == 2 && !slotsOnly)
        {
            foreach (var workers in new[] { 1, 2, 4 })
            {
                output.WriteLine($"   workers={workers}: postgres/sqlite = {rates[("postgres", workers)] / rates[("sqlite", workers)]:0.00}");
            }
        }

        if (Environment.GetCommandLineArgs().Contains("--no-latency"))
        {
            return;
        }

        output.WriteLine($"   claim latency: ClaimDueAsync(limit {ClaimLimit}) × {LatencySamples} after {LatencyWarmup} warm-up claims, due rows in front of N not-yet-due rows (ANALYZE run after seeding)");
        await PrintClaimLatenciesAsync(
            kinds, connectionString, queueSizes, "not due", "independent of queue length", (backend, size) => MeasureClaimLatencyAsync(backend, source, size, cancellationToken), output, cancellationToken);
        output.WriteLine($"   claim latency deep in a drain: ClaimDueAsync(limit {ClaimLimit}) × {LatencySamples} after {LatencyWarmup} warm-up claims, once N deliveries of the queue were claimed before them by the same node, its clock running; PostgreSQL's autovacuum off for the table (as for a table of millions of delivered rows, which it seldom reaches)");
        await PrintClaimLatenciesAsync(
            kinds, connectionString, drainedSizes, "claimed before", "independent of what was claimed since the last VACUUM", (backend, size) => MeasureClaimLatencyAfterDrainAsync(backend, size, cancellationToken), output, cancellationToken);
    }

    /// <summary>
    /// For each store, the claim latency <paramref name="measure"/> gives at each of the two <paramref name="sizes"/> (a
    /// fresh backend each), then the ratio of their medians.
    /// </summary>
    private static async Task PrintClaimLatenciesAsync(
        string[] kinds,
        string connectionString,
        int[] sizes,
        string what,
        string flat,
        Func<Backend, int, Task<(double P50, double P95, double Max)>> measure,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        foreach (var kind in kinds)
        {
            var medians = new List<double>();
            foreach (var size in sizes)
            {
                await using var backend = await Backend.CreateAsync(kind, connectionString, cancellationToken);
                var (p50, p95, max) = await measure(backend, size);
                medians.Add(p50);
                output.WriteLine($"   {kind,-8} {size,9:N0} {what}: p50 {p50,6:0.000} ms  p95 {p95,6:0.000} ms  max {max,7:0.000} ms");
            }

            output.WriteLine($"   {kind,-8} claim p50 with {sizes[1]:N0} vs {sizes[0]:N0} {what}: {medians[1] / medians[0]:0.00}× (1.00 = {flat})");
        }
    }

    /// <summary>The value given after <paramref name="name"/> on the command line, or null.</summary>
    private static string? Option(string name) => Environment.GetCommandLineArgs().SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>The stores to measure: <c>--stores postgres,sqlite</c> (the default: both).</summary>
    private static string[] Stores()
    {
        var asked = Option("--stores");
        var kinds = asked is null ? ["postgres", "sqlite"] : asked.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return kinds.All(k => k is "postgres" or "sqlite") && kinds.Length > 0
            ? kinds
            : throw new ArgumentException($"--stores takes postgres, sqlite or both (comma-separated), not '{asked}'");
    }

    private static async Task<double> MeasureThroughputAsync(Backend backend, BenchSource source, int deliveries, int workers, int slots, CancellationToken cancellationToken, TextWriter? profile = null, TextWriter? cpu = null)
    {
        var nodes = new List<(IDeliveryStore Store, RetryScanner Scanner)>();
        var timings = new List<StoreTiming>();
        for (var i = 0; i < workers; i++)
        {
            var store = await backend.OpenStoreAsync(cancellationToken);
            if (profile is not null)
            {
                (store, var timing) = StoreTiming.Wrap(store);
                timings.Add(timing);
            }

            nodes.Add((store, NewScanner(store, source, $"worker-{i}", slots)));
        }

        // A running ledger is not empty: the measured deliveries come after as many done ones (their attempts, files and
        // versions), and PostgreSQL's statistics are gathered after those, as autovacuum keeps them in a running database.
        // Measured on tables seeded seconds before, the planner took them for empty: each claim read every due row and
        // sorted them instead of walking deliveries_due in order, and looked up files and attempts by scanning the whole
        // table (auto_explain: 4,900 rows and 30-100 ms per claim until autovacuum analyzed the tables).
        await SeedDueAsync(backend.Store, source, deliveries, "history", cancellationToken);
        await RunUntilNothingIsDueAsync(nodes.Select(n => n.Scanner), cancellationToken);
        if (backend.Store is PostgresDeliveryStore pg)
        {
            await using var analyze = pg.DataSource.CreateCommand(RawQueue.AnalyzeOwnSchema);
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        // A running node's connections hold their statements' plans. ANALYZE invalidated the ones the history run made, and
        // PostgreSQL plans a prepared statement afresh for its first five runs on each connection: the completion's plan
        // takes 1-2 ms, and with a dozen connections over four nodes the timed run would pay for about a hundred of them
        // (pg_stat_statements), 15 % of its server time. A short untimed pass on the same nodes makes the plans again.
        await SeedDueAsync(backend.Store, source, Warm(deliveries), "warm", cancellationToken);
        await RunUntilNothingIsDueAsync(nodes.Select(n => n.Scanner), cancellationToken);

        foreach (var timing in timings)
        {
            timing.Methods.Clear();
        }

        await SeedDueAsync(backend.Store, source, deliveries, "video", cancellationToken);
        var meter = CpuMeter.Start(backend.ServerCpu);
        var clock = Stopwatch.StartNew();
        var done = await RunUntilNothingIsDueAsync(nodes.Select(n => n.Scanner), cancellationToken);
        clock.Stop();
        var (here, inServer) = meter.PerItem(deliveries);
        cpu?.WriteLine($"     CPU per delivery: {here:0} µs in Courier (this process{(backend.ServerCpu is null ? ", with SQLite in it" : string.Empty)})" +
            (inServer is { } server ? $", {server:0} µs in PostgreSQL; at that cost {Environment.ProcessorCount} cores can do at most {Environment.ProcessorCount * 1e6 / (here + server):0}/s" : string.Empty));

        if (done != deliveries)
        {
            throw new InvalidOperationException($"{done} of {deliveries} deliveries completed");
        }

        var stats = await backend.Store.GetStatisticsAsync(DateTimeOffset.MinValue, cancellationToken);
        var delivered = stats.Deliveries.Where(d => d.State == DeliveryState.Delivered).Sum(d => d.Count);
        if (delivered != (2 * deliveries) + Warm(deliveries))
        {
            throw new InvalidOperationException($"the store says {delivered} of {(2 * deliveries) + Warm(deliveries)} (history, warm-up and measured) are delivered");
        }

        if (profile is not null)
        {
            foreach (var timing in timings.Skip(1))
            {
                foreach (var (method, sum) in timing.Methods)
                {
                    timings[0].Methods.AddOrUpdate(method, sum, (_, first) => (first.Calls + sum.Calls, first.Ticks + sum.Ticks));
                }
            }

            timings[0].Print(profile, deliveries, clock.Elapsed * workers);
        }

        return deliveries / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The deliveries of the untimed pass that warms the nodes' connections before the timed one.</summary>
    private static int Warm(int deliveries) => deliveries / 5;

    private static async Task<(double P50, double P95, double Max)> MeasureClaimLatencyAsync(Backend backend, BenchSource source, int notDue, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        await SeedDueAsync(backend.Store, source, (LatencySamples + LatencyWarmup) * ClaimLimit, "video", cancellationToken);
        await backend.QueueAsync(notDue, now, now + TimeSpan.FromDays(1), cancellationToken);
        return await SampleClaimsAsync(backend.Store, () => now + TimeSpan.FromSeconds(1), cancellationToken);
    }

    /// <summary>
    /// Claim latency once <paramref name="drained"/> deliveries of a queue were claimed by the node before (in claims of
    /// 100), each claim at the time of the clock, as a running node's claims are. Each claimed delivery leaves its
    /// queued row version in PostgreSQL's indexes until VACUUM removes it.
    /// </summary>
    private static async Task<(double P50, double P95, double Max)> MeasureClaimLatencyAfterDrainAsync(Backend backend, int drained, CancellationToken cancellationToken)
    {
        var queuedAt = TimeProvider.System.GetUtcNow() - TimeSpan.FromHours(1);
        await backend.KeepAutovacuumAwayAsync(cancellationToken);
        await backend.QueueAsync(drained + ((LatencySamples + LatencyWarmup) * ClaimLimit), queuedAt, queuedAt, cancellationToken);
        for (var left = drained; left > 0;)
        {
            var claimed = await backend.Store.ClaimDueAsync("bench", Math.Min(100, left), TimeProvider.System.GetUtcNow(), [], cancellationToken);
            left -= claimed.Count > 0 ? claimed.Count : throw new InvalidOperationException($"the drain stopped with {left} deliveries left to claim");
        }

        return await SampleClaimsAsync(backend.Store, TimeProvider.System.GetUtcNow, cancellationToken);
    }

    /// <summary>Times <see cref="LatencySamples"/> claims of <see cref="ClaimLimit"/> after <see cref="LatencyWarmup"/> untimed ones, each at <paramref name="now"/>.</summary>
    private static async Task<(double P50, double P95, double Max)> SampleClaimsAsync(IDeliveryStore store, Func<DateTimeOffset> now, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        for (var i = 0; i < LatencySamples + LatencyWarmup; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var claimed = await store.ClaimDueAsync("bench", ClaimLimit, now(), [], cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (claimed.Count != ClaimLimit)
            {
                throw new InvalidOperationException($"claim {i} got {claimed.Count} deliveries, {ClaimLimit} expected");
            }

            if (i >= LatencyWarmup)
            {
                samples.Add(elapsed.TotalMilliseconds);
            }
        }

        samples.Sort();
        return (samples[samples.Count / 2], samples[(int)Math.Ceiling(samples.Count * 0.95) - 1], samples[^1]);
    }

    /// <summary>Each node runs the work loop of `serve` until nothing is due; answers the deliveries delivered.</summary>
    private static async Task<int> RunUntilNothingIsDueAsync(IEnumerable<RetryScanner> scanners, CancellationToken cancellationToken)
    {
        var done = await Task.WhenAll(scanners.Select(scanner => Task.Run(
            async () =>
            {
                var completed = 0;
                for (var scans = 0; scans < 1_000_000; scans++)
                {
                    // The work loop of `serve` (its housekeeping runs on its own schedule, once per Scan:Interval). It ends
                    // after a short claim, which other nodes' claims can cause while rows are still due: then again.
                    var scan = await scanner.RunUntilIdleAsync(cancellationToken);
                    if (scan.Claimed == 0)
                    {
                        break;
                    }

                    completed += scan.Delivered;
                }

                return completed;
            },
            cancellationToken)));
        return done.Sum();
    }

    /// <summary>Submits videos (<paramref name="prefix"/>-000001…) through the store (as the sync path does), then releases them: queued, due now.</summary>
    private static async Task SeedDueAsync(IDeliveryStore store, BenchSource source, int deliveries, string prefix, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var videos = (deliveries + RenditionsPerVideo - 1) / RenditionsPerVideo;
        await Parallel.ForEachAsync(Enumerable.Range(0, videos), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (v, token) =>
        {
            var count = Math.Min(RenditionsPerVideo, deliveries - (v * RenditionsPerVideo));
            var renditions = Enumerable.Range(0, count).Select(r => source.Rendition($"r{r}")).ToList();
            // Each video submitted at a moment of its own, one millisecond apart and all in the past, as videos arrive: a
            // delivery's id is time-ordered from its submission, so the claims meet a video's deliveries together, as they
            // do in a running system. (All at one instant, the ids' order within it is random, and every video's ten
            // deliveries were spread over the claims of all four nodes.)
            await store.SubmitAsync(new NewVideoVersion($"{prefix}-{v:000000}", $"fp-{v}", renditions, [Target]), "seed", now - TimeSpan.FromMilliseconds(videos - v), token);
        });
        await store.ReleaseNodeAsync("seed", now, cancellationToken);
    }

    private static RetryScanner NewScanner(IDeliveryStore store, BenchSource source, string nodeId, int slots)
    {
        var options = new CourierOptions
        {
            SourceRoot = source.Root,
            Scan = { LeaseTimeout = TimeSpan.FromMinutes(1) },
            Retry = { QuickRetries = 0 },
            Distribution = { MaxConcurrency = slots },
        };
        var time = TimeProvider.System;
        var node = new NodeIdentity(nodeId);
        var signal = new ScanSignal();
        var runner = new DeliveryRunner(
            store,
            new TargetRegistry([new NoOpTarget()]),
            new SourceResolver(source.Root),
            new RetryPolicy(options.Retry),
            new TargetCircuits(options.Circuit, options.Retry.MaxDelay),
            options,
            time,
            node,
            signal,
            NullLogger<DeliveryRunner>.Instance);
        return new RetryScanner(store, runner, node, time, options, signal, NullLogger<RetryScanner>.Instance);
    }

    private static async Task PrintSettingsAsync(string connectionString, TextWriter output, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            """
            SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings
            WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'work_mem', 'max_connections', 'wal_level')
            ORDER BY name
            """);
        var settings = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                settings.Add($"{reader.GetString(0)}={reader.GetString(1)}");
            }
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        output.WriteLine($"   machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        output.WriteLine($"   postgres: {builder.Host}:{builder.Port} (loopback), {string.Join(", ", settings)}; Npgsql pool per node (max {builder.MaxPoolSize})");
        await using var sqlite = new SqliteConnection("Data Source=:memory:");
        await sqlite.OpenAsync(cancellationToken);
        await using var version = sqlite.CreateCommand();
        version.CommandText = "SELECT sqlite_version()";
        output.WriteLine($"   sqlite: {await version.ExecuteScalarAsync(cancellationToken)}, WAL, synchronous=FULL (the store's settings), file in {Path.GetTempPath()}");
        output.WriteLine("   note: the PostgreSQL test server runs with fsync=off, synchronous_commit=off (tests only); SQLite syncs every commit. Compare like with like.");
    }

    /// <summary>One fresh store (schema or file) and more store instances on it, one per worker node.</summary>
    private abstract class Backend : IAsyncDisposable
    {
        protected List<IDeliveryStore> Stores { get; } = [];

        public IDeliveryStore Store => Stores[0];

        /// <summary>The CPU time of the database server, when it is a separate process on this machine.</summary>
        public ServerCpu? ServerCpu { get; private set; }

        public static async Task<Backend> CreateAsync(string kind, string connectionString, CancellationToken cancellationToken)
        {
            Backend backend = kind == "postgres" ? new PostgresBackend(connectionString) : new SqliteBackend();
            await backend.OpenStoreAsync(cancellationToken);
            backend.ServerCpu = kind == "postgres" ? await ServerCpu.FindAsync(connectionString, cancellationToken) : null;
            return backend;
        }

        public async Task<IDeliveryStore> OpenStoreAsync(CancellationToken cancellationToken)
        {
            var store = NewStore();
            Stores.Add(store);
            await store.MigrateAsync(cancellationToken);
            return store;
        }

        protected abstract IDeliveryStore NewStore();

        /// <summary>Adds <paramref name="count"/> queued deliveries due at <paramref name="due"/>, by bulk SQL (fast).</summary>
        public abstract Task QueueAsync(int count, DateTimeOffset created, DateTimeOffset due, CancellationToken cancellationToken);

        /// <summary>Keeps the database's own vacuuming away from the deliveries table, where it has any.</summary>
        public virtual Task KeepAutovacuumAwayAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public virtual async ValueTask DisposeAsync()
        {
            foreach (var store in Stores)
            {
                switch (store)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        }
    }

    private sealed class PostgresBackend(string connectionString) : Backend
    {
        private readonly string _schema = "bench_" + Guid.NewGuid().ToString("N")[..16];

        protected override IDeliveryStore NewStore() => new PostgresDeliveryStore(new PostgresStoreOptions { ConnectionString = connectionString, Schema = _schema });

        public override async Task KeepAutovacuumAwayAsync(CancellationToken cancellationToken)
        {
            await using var command = ((PostgresDeliveryStore)Store).DataSource.CreateCommand("ALTER TABLE deliveries SET (autovacuum_enabled = false)");
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public override async Task QueueAsync(int count, DateTimeOffset created, DateTimeOffset due, CancellationToken cancellationToken)
        {
            var dataSource = ((PostgresDeliveryStore)Store).DataSource;
            await using var batch = dataSource.CreateBatch();
            batch.Timeout = 600;
            foreach (var sql in new[]
            {
                "INSERT INTO video_versions (video_id, version, fingerprint, submitted_at) SELECT 'later-' || n, 1, 'fp', @created FROM generate_series(1, @count) AS n",
                "INSERT INTO renditions (video_id, version, name, ordinal, source_path, kind, fingerprint, bytes, file_count) SELECT 'later-' || n, 1, '360p', 0, 'later/360p.mp4', 'file', 'fp', 1000, 1 FROM generate_series(1, @count) AS n",
                "INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at) SELECT gen_random_uuid(), 'later-' || n, 1, '360p', 'cdn', 'queued', 1, @due, @created, @created FROM generate_series(1, @count) AS n",
            })
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(sql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<DateTimeOffset>("created", created.ToUniversalTime()),
                        new NpgsqlParameter<DateTimeOffset>("due", due.ToUniversalTime()),
                        new NpgsqlParameter<int>("count", count),
                    },
                });
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand(RawQueue.AnalyzeOwnSchema));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private sealed class SqliteBackend : Backend
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("courier-bench-sqlite-").FullName;

        private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "courier.db") }.ConnectionString;

        protected override IDeliveryStore NewStore() => new SqliteDeliveryStore(new SqliteStoreOptions { ConnectionString = ConnectionString });

        public override async Task QueueAsync(int count, DateTimeOffset created, DateTimeOffset due, CancellationToken cancellationToken)
        {
            await using var connection = new SqliteConnection(ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandTimeout = 600;
            command.CommandText =
                """
                CREATE TEMP TABLE n AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $count) SELECT i FROM s;
                INSERT INTO video_versions (video_id, version, fingerprint, submitted_at) SELECT 'later-' || i, 1, 'fp', $created FROM n;
                INSERT INTO renditions (video_id, version, name, source_path, kind, fingerprint, bytes, file_count)
                SELECT 'later-' || i, 1, '360p', 'later/360p.mp4', 'file', 'fp', 1000, 1 FROM n;
                INSERT INTO deliveries (id, video_id, version, rendition, target, state, attempts, next_attempt_at, created_at, updated_at)
                SELECT lower(hex(randomblob(16))), 'later-' || i, 1, '360p', 'cdn', 'queued', 1, $due, $created, $created FROM n;
                DROP TABLE n;
                """;
            command.Parameters.AddWithValue("$count", count);
            command.Parameters.AddWithValue("$created", created.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$due", due.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            await using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A source root with one small file every rendition points at.</summary>
    private sealed class BenchSource : IDisposable
    {
        private readonly SourceResolver _resolver;

        public BenchSource()
        {
            Root = Directory.CreateTempSubdirectory("courier-bench-source-").FullName;
            File.WriteAllText(Path.Combine(Root, "clip.mp4"), "a rendition");
            _resolver = new SourceResolver(Root);
        }

        public string Root { get; }

        public NewRendition Rendition(string name)
        {
            var content = _resolver.Resolve(name, "clip.mp4", "path");
            return new NewRendition(name, content.SourcePath, content.Kind, content.Fingerprint, content.TotalBytes, content.Files.Count);
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    /// <summary>A target that accepts every object at once: what is measured is the store and the scan loop.</summary>
    private sealed class NoOpTarget : ITarget
    {
        public string Name => Target;

        public string Region => "bench";

        public string Kind => "noop";

        public VerifyMode Verify => VerifyMode.Size;

        public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) => Task.FromResult<StoredObject?>(null);

        public Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken) =>
            Task.FromResult(new PutResult(put.Length, "0000000000000000000000000000000000000000000000000000000000000000"));

        public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
