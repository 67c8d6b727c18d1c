using System.Diagnostics;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// The backlog of a target that was down: 10,000 queued deliveries of one small file each (64 KiB; smoke: 200 of 16 KiB)
/// to nginx WebDAV, made due at once as a recovered target's are (<c>MakeDueAsync</c>), drained by the node's
/// <see cref="RetryScanner"/> with the default settings (SQLite store). Compared in the same run with Courier pushing a
/// package of 2,000 files of the same size to the same target (the sync path), before and after each drain: files per
/// second of each, and the ratio of the drain to the mean of the package's rate right before and right after it.
/// The backlog is drained twice: with the default upload (temp PUT + MOVE) and with <c>Upload: put</c>; a small backlog
/// is drained first, untimed, so the scanner's path is compiled before it is timed. Before the package and before each
/// drain, a raw baseline makes the same HTTP requests to the same layout with plain HttpClient calls and nothing else
/// (<see cref="RawAsync"/>): the raw drain against the raw package is what the target alone makes of a drained
/// delivery's requests. Before each drain a second baseline makes the same requests between a claim and a durable outcome
/// in plain SQL (<see cref="RawWithLedgerAsync"/>): against the package, what a plain client that keeps a per-delivery
/// ledger reaches on this machine; Courier against it, what Courier adds.
/// </summary>
internal sealed class DrainBenchmark : IBenchmark
{
    private const string Target = "cdn";
    private const string PutTarget = "cdn-put";
    private const int RenditionsPerVideo = 10;

    public string Name => "drain";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var webdav = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_URL");
        if (string.IsNullOrEmpty(webdav))
        {
            throw new InvalidOperationException("COURIER_TEST_WEBDAV_URL is not set: run `.ci/services start` and `source .ci/work/env` first");
        }

        var deliveries = smoke ? 200 : 10_000;
        var packageFiles = smoke ? 50 : 2_000;
        var size = smoke ? 16 << 10 : 64 << 10;
        var directory = Directory.CreateTempSubdirectory("courier-bench-drain-");
        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var baseUrl = new Uri(new Uri(webdav), prefix + "/");
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            var package = Directory.CreateDirectory(Path.Combine(media, "hls")).FullName;
            for (var i = 0; i < packageFiles; i++)
            {
                BenchFiles.WriteRandom(Path.Combine(package, $"segment_{i:00000}.ts"), size);
            }

            for (var r = 0; r < RenditionsPerVideo; r++)
            {
                BenchFiles.WriteRandom(Path.Combine(media, $"r{r}.ts"), size);
            }

            await using var services = await ComposeAsync(directory.FullName, media, baseUrl, cancellationToken);
            var distributor = services.GetRequiredService<Distributor>();
            var store = services.GetRequiredService<IDeliveryStore>();
            var node = services.GetRequiredService<NodeIdentity>();
            var scanner = services.GetRequiredService<RetryScanner>();
            output.WriteLine($"   {deliveries} queued deliveries of one {size >> 10} KiB file each to nginx WebDAV (Verify: size), drained by RetryScanner (MaxConcurrency {services.GetRequiredService<Core.Configuration.CourierOptions>().Distribution.MaxConcurrency}, batch {services.GetRequiredService<Core.Configuration.CourierOptions>().Scan.BatchSize}); against a package of {packageFiles} files of the same size to the same target");

            // Warm-up: JIT, connections, the database file. Each side's path runs once untimed at the size it is timed at (the
            // package, the raw package) or in part (a backlog of 500 drained), so none is timed while its code is still being
            // compiled and tiered up: a profile showed the JIT at 35 % of the first 5 s, and a package pushed first, cold,
            // cost Courier about twice the CPU per file of the same package pushed after a drain.
            await CheckAsync(distributor.DistributeAsync(new SubmitRequest("warm-up", [new RenditionRequest("r0", "r0.ts")], [Target]), null, cancellationToken));
            await CheckAsync(distributor.DistributeAsync(new SubmitRequest("package-warm-up", [new RenditionRequest("hls", "hls")], [Target]), null, cancellationToken));
            await DrainAsync(distributor, store, node, scanner, "warm-up", Target, smoke ? 20 : 500, null, TextWriter.Null, cancellationToken);

            var nginx = ServerCpu.FindByName("nginx");
            using var http = RawTransfers.CreateClient();
            var rawFile = Path.Combine(media, "r0.ts");
            await RawAsync(http, new Uri(baseUrl, "raw-warm-up/"), rawFile, packageFiles, RawShape.Package, null, cancellationToken);
            output.WriteLine($"   raw: HttpClient making the same requests, {PackageBenchmark.Concurrency} at once, connections reused, nothing else");
            await JitSettle.WaitAsync(output, cancellationToken);

            var (rawPackageRate, rawPackageCpu) = await RawAsync(http, new Uri(baseUrl, "raw-package/"), rawFile, packageFiles, RawShape.Package, nginx, cancellationToken);
            output.WriteLine($"   raw, a package's     : {rawPackageRate,8:0} files/s (PUT + HEAD, one directory), {rawPackageCpu} per file");
            var (packageRate, packageCpu) = await PackageAsync(distributor, 0, packageFiles, rawPackageRate, nginx, output, cancellationToken);

            // The same backlog twice: to the default upload (temp PUT + MOVE, then HEAD) and to `Upload: put` (PUT, then
            // HEAD), so the ratio shows what the MOVE that keeps a single file never half-written costs, and what is left.
            // Before each, the raw baseline makes the same requests to the same layout (a directory per rendition), so the
            // ratio of raw to raw shows what the target alone makes of a drained delivery's requests against a package's.
            // The package is pushed again after each drain (to keys of its own), and each drain is compared with the mean of
            // the package's rate right before and right after it: this machine's speed drifts from minute to minute, and a
            // package of 2,000 files takes about a second, so one early measure of it would tilt every ratio that follows.
            var round = 0;
            foreach (var (target, upload, shape) in new[] { (Target, "temp PUT + MOVE", RawShape.Move), (PutTarget, "Upload: put   ", RawShape.Put) })
            {
                var (rawRate, rawCpu) = await RawAsync(http, new Uri(baseUrl, $"raw-{target}/"), rawFile, deliveries, shape, nginx, cancellationToken);
                output.WriteLine($"   raw, {upload}  : {rawRate,8:0} deliveries/s (+ HEAD, a directory per rendition), {rawRate / rawPackageRate:0.00} of the raw package's rate, {rawCpu} per delivery");
                var (ledgerRate, ledgerCpu) = await RawWithLedgerAsync(http, new Uri(baseUrl, $"raw-ledger-{target}/"), rawFile, deliveries, shape, nginx, cancellationToken);
                output.WriteLine($"   raw + SQLite ledger   : {ledgerRate,8:0} deliveries/s (the same requests, each between a claim and a durable outcome in plain SQL), {ledgerRate / rawPackageRate:0.00} of the raw package's rate, {ledgerCpu} per delivery");
                var (drainTime, drainCpu) = await DrainAsync(distributor, store, node, scanner, "backlog", target, deliveries, nginx, output, cancellationToken);
                var drainRate = deliveries / drainTime.TotalSeconds;
                var (packageAfter, packageCpuAfter) = await PackageAsync(distributor, ++round, packageFiles, rawPackageRate, nginx, output, cancellationToken);
                var packageAround = (packageRate + packageAfter) / 2;
                var cpuBound = (packageCpu.Total + packageCpuAfter.Total) / 2 / drainCpu.Total;
                output.WriteLine($"   drain, {upload} : {drainRate,8:0} deliveries/s ({drainTime.TotalSeconds:0.00} s), ratio drain/package {drainRate / packageAround:0.00} (of the package's mean rate before and after it, {packageAround:0} files/s), {drainRate / rawRate:0.00} of raw, {drainRate / ledgerRate:0.00} of raw + ledger (which is {ledgerRate / packageAround:0.00} of the package), {drainCpu} per delivery ({drainCpu.Cores(drainRate):0.0} cores busy); bound by CPU alone, the ratio would be {cpuBound:0.00}");
                (packageRate, packageCpu) = (packageAfter, packageCpuAfter);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
            await RawTransfers.DeleteQuietlyAsync(baseUrl);
        }
    }

    /// <summary>
    /// Courier pushing the package (the sync path) as a video of its own (<paramref name="round"/> numbers it), timed;
    /// prints and returns its files per second and the CPU per file.
    /// </summary>
    private static async Task<(double Rate, ItemCpu Cpu)> PackageAsync(Distributor distributor, int round, int files, double rawRate, ServerCpu? nginx, TextWriter output, CancellationToken cancellationToken)
    {
        var meter = CpuMeter.Start(nginx);
        var time = await PackageBenchmark.TimeAsync(() => CheckAsync(distributor.DistributeAsync(new SubmitRequest($"package-{round}", [new RenditionRequest("hls", "hls")], [Target]), null, cancellationToken)));
        var rate = files / time.TotalSeconds;
        var cpu = CpuPerItem(meter, files);
        output.WriteLine($"   package (sync push)  : {rate,8:0} files/s ({time.TotalSeconds:0.00} s), {rate / rawRate:0.00} of raw, {cpu} per file ({cpu.Cores(rate):0.0} cores busy){(round > 0 ? ", again after the drain" : string.Empty)}");
        return (rate, cpu);
    }

    /// <summary>
    /// Submits <paramref name="deliveries"/> to <paramref name="target"/> (queued, as when it is down), makes them due at
    /// once, and times the drain; also returns the CPU it cost per delivery. Video ids start with <paramref name="name"/>.
    /// </summary>
    private static async Task<(TimeSpan Time, ItemCpu Cpu)> DrainAsync(Distributor distributor, IDeliveryStore store, NodeIdentity node, RetryScanner scanner, string name, string target, int deliveries, ServerCpu? nginx, TextWriter output, CancellationToken cancellationToken)
    {
        var seeding = Stopwatch.StartNew();
        var videos = (deliveries + RenditionsPerVideo - 1) / RenditionsPerVideo;
        await Parallel.ForEachAsync(Enumerable.Range(0, videos), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (v, token) =>
        {
            var renditions = Enumerable.Range(0, Math.Min(RenditionsPerVideo, deliveries - (v * RenditionsPerVideo))).Select(r => new RenditionRequest($"r{r}", $"r{r}.ts")).ToList();
            await distributor.SubmitAsync(new SubmitRequest($"{name}-{target}-{v:00000}", renditions, [target]), token);
        });
        await store.ReleaseNodeAsync(node.Id, DateTimeOffset.UtcNow, cancellationToken);
        await store.MakeDueAsync(target, DateTimeOffset.UtcNow, cancellationToken);
        output.WriteLine($"   backlog of {deliveries} to {target} submitted in {seeding.Elapsed.TotalSeconds:0.0} s (not measured)");

        var drained = 0;
        var cpu = CpuMeter.Start(nginx);
        // The work loop of `serve`: it runs on until nothing is due.
        var time = await PackageBenchmark.TimeAsync(async () => drained = (await scanner.RunUntilIdleAsync(cancellationToken)).Delivered);
        return drained == deliveries ? (time, CpuPerItem(cpu, deliveries)) : throw new InvalidOperationException($"{drained} of {deliveries} deliveries to {target} drained");
    }

    /// <summary>
    /// A raw baseline: the HTTP requests of <paramref name="count"/> small files and nothing else, with plain HttpClient
    /// calls, <see cref="PackageBenchmark.Concurrency"/> at once on reused connections (what Courier runs for small files).
    /// <see cref="RawShape.Package"/> puts every file into one directory, as a package's segments go, with a PUT to the final
    /// name; the others give each file a directory of its own, as Courier lays out a video's renditions
    /// (<c>{video}/{rendition}/{file}</c>), with a PUT to a temp name and a MOVE onto the final one, or a PUT to the final
    /// name. Each file then gets a HEAD whose size must match. Returns files per second and the CPU per file.
    /// </summary>
    private static async Task<(double Rate, ItemCpu Cpu)> RawAsync(HttpClient http, Uri root, string file, int count, RawShape shape, ServerCpu? nginx, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file).Length;
        var options = new ParallelOptions { MaxDegreeOfParallelism = PackageBenchmark.Concurrency, CancellationToken = cancellationToken };
        var cpu = CpuMeter.Start(nginx);
        var time = await PackageBenchmark.TimeAsync(() => Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) => await RawRequestsAsync(http, root, file, length, shape, i, token)));
        return (count / time.TotalSeconds, CpuPerItem(cpu, count));
    }

    /// <summary>
    /// The raw drain with a durable ledger: <see cref="RawAsync"/>'s requests for each delivery, between a claim and an
    /// outcome written in plain SQL to a SQLite file of its own (<see cref="RawQueue.MeasureSqliteLedgerAsync"/>: a lease
    /// token, the outcome on the row, an attempt row, a file row, the version's count, <c>synchronous=FULL</c>).
    /// <see cref="PackageBenchmark.Concurrency"/> at once, as four workers that each claim four and commit their four
    /// outcomes together: Courier's drain commits its outcomes in groups of about four (0.24 <c>fsync</c> per delivery,
    /// counted with <c>perf stat</c>). No claim rules, events, source check or store code: the work any client that keeps
    /// a per-delivery ledger must do at the least, in the simplest shape (a batch waits for its slowest request and its
    /// commit), so its rate is a reference, not a ceiling.
    /// </summary>
    private static async Task<(double Rate, ItemCpu Cpu)> RawWithLedgerAsync(HttpClient http, Uri root, string file, int count, RawShape shape, ServerCpu? nginx, CancellationToken cancellationToken)
    {
        const int PerWorker = 4;
        var length = new FileInfo(file).Length;
        var cpu = CpuMeter.Start(nginx);
        var rate = await RawQueue.MeasureSqliteLedgerAsync(count, PackageBenchmark.Concurrency / PerWorker, PerWorker, (i, token) => RawRequestsAsync(http, root, file, length, shape, (int)i, token), cancellationToken);
        return (rate, CpuPerItem(cpu, count));
    }

    /// <summary>The requests of file <paramref name="i"/> of a raw baseline (see <see cref="RawAsync"/>).</summary>
    private static async Task RawRequestsAsync(HttpClient http, Uri root, string file, long length, RawShape shape, int i, CancellationToken cancellationToken)
    {
        var rendition = $"r{i % RenditionsPerVideo}";
        var (directory, name) = shape == RawShape.Package ? ("hls/", $"segment_{i:00000}.ts") : ($"{i / RenditionsPerVideo:00000}/{rendition}/", rendition + ".ts");
        var final = new Uri(root, directory + name);
        if (shape == RawShape.Move)
        {
            var temp = new Uri(root, $"{directory}.{name}.tmp");
            await RawTransfers.PutAsync(http, temp, file, cancellationToken);
            await RawTransfers.MoveAsync(http, temp, final, cancellationToken);
        }
        else
        {
            await RawTransfers.PutAsync(http, final, file, cancellationToken);
        }

        await RawTransfers.CheckSizeAsync(http, final, length, cancellationToken);
    }

    private static Task<CourierNode> ComposeAsync(string root, string media, Uri baseUrl, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Courier:Targets:{Target}:Kind"] = "http",
            [$"Courier:Targets:{Target}:BaseUrl"] = baseUrl.ToString(),
            [$"Courier:Targets:{Target}:Verify"] = "size",
            [$"Courier:Targets:{PutTarget}:Kind"] = "http",
            [$"Courier:Targets:{PutTarget}:BaseUrl"] = new Uri(baseUrl, "put/").ToString(),
            [$"Courier:Targets:{PutTarget}:Verify"] = "size",
            [$"Courier:Targets:{PutTarget}:Upload"] = "put",
        };
        return BenchCourier.OpenAsync(root, media, settings, cancellationToken);
    }

    /// <summary>The CPU <paramref name="meter"/> saw per item.</summary>
    private static ItemCpu CpuPerItem(CpuMeter meter, int items)
    {
        var (courier, nginx) = meter.PerItem(items);
        return new ItemCpu(courier, nginx);
    }

    /// <summary>
    /// Microseconds of CPU per item in Courier's process and in nginx. When the two keep both cores busy, what one item
    /// costs them together bounds the rate: the package's total over the drain's is then the ratio the drain reaches
    /// against the package (fewer busy cores, as when the host takes some, mean time spent waiting, not computing).
    /// </summary>
    private readonly record struct ItemCpu(double Courier, double? Nginx)
    {
        public double Total => Courier + (Nginx ?? 0);

        /// <summary>The cores the two kept busy at <paramref name="rate"/> items a second.</summary>
        public double Cores(double rate) => rate * Total / 1e6;

        public override string ToString() => $"CPU {Courier:0} µs Courier" + (Nginx is { } used ? $" + {used:0} µs nginx" : string.Empty);
    }

    private static async Task CheckAsync(Task<Core.Reports.DistributionReport> distribution)
    {
        var report = await distribution;
        if (report.Video.State != VideoState.Distributed)
        {
            var failed = report.Video.Deliveries.FirstOrDefault(d => d.LastError is not null);
            throw new InvalidOperationException($"{report.Video.VideoId}: {report.Video.State}: {failed?.LastError}");
        }
    }

    /// <summary>The requests a raw baseline makes per file: see <see cref="RawAsync"/>.</summary>
    private enum RawShape
    {
        Package,
        Move,
        Put,
    }
}
