using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// The backlog of a target that was down: 10,000 queued deliveries of one small file each (64 KiB; smoke: 200 of 16 KiB)
/// to nginx WebDAV, made due as a recovered target's are (<c>MakeDueAsync</c>), drained by the node's
/// <see cref="RetryScanner"/> with the default settings (SQLite store), against Courier pushing a package of 2,000 files
/// of the same size to the same target (the sync path). The backlog is drained twice, with the default upload (temp PUT +
/// MOVE) and with <c>Upload: put</c>, each in five rounds of a fifth: a round times the package, the raw package, the raw
/// drain (<see cref="RawAsync"/>: the same HTTP requests to the same layout with plain HttpClient calls and nothing else),
/// the raw drain with a durable ledger (<see cref="RawWithLedgerAsync"/>) and Courier's drain, and compares the drain with
/// the mean of the package right before and right after it; the median of the rounds is the figure. Raw drain against raw
/// package is what the target alone makes of a drained delivery's requests; raw + ledger against the package, what a plain
/// client that keeps a per-delivery ledger reaches; Courier against it, what Courier adds. A small backlog is drained
/// first, untimed, so the scanner's path is compiled before it is timed.
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
            await DrainAsync(distributor, store, node, scanner, "warm-up", Target, smoke ? 20 : 500, null, cancellationToken);

            var nginx = ServerCpu.FindByName("nginx");
            using var http = RawTransfers.CreateClient();
            var rawFile = Path.Combine(media, "r0.ts");
            await RawAsync(http, new Uri(baseUrl, "raw-warm-up/"), rawFile, packageFiles, RawShape.Package, null, cancellationToken);
            output.WriteLine($"   raw: HttpClient making the same requests, {PackageBenchmark.Concurrency} at once, connections reused, nothing else; raw + ledger: the same requests, each between a claim and a durable outcome in plain SQL");
            await JitSettle.WaitAsync(output, cancellationToken);

            // The same backlog twice: to the default upload (temp PUT + MOVE, then HEAD) and to `Upload: put` (PUT, then
            // HEAD), so the ratio shows what the MOVE that keeps a single file never half-written costs, and what is left.
            // This machine's speed drifts by 2-3x within a minute (nginx's CPU per package file went from 990 to 90 µs within
            // one run, with no steal), and a package of 2,000 files takes about a second where a drain of 10,000 takes ten, so
            // one package measured beside one long drain gave ratios from 0.33 to 0.83 for the same build. So each backlog is
            // drained in rounds of a fifth, each round measured beside everything it is compared with: the package (Courier's
            // sync push; again after the last round), the raw package, the raw drain (the same requests to the same layout, a
            // directory per rendition) and the raw drain with a ledger. Each drain is compared with the mean of the package
            // right before and right after it, and the median of the rounds is the figure.
            var rounds = smoke ? 2 : 5;
            var chunk = deliveries / rounds;
            output.WriteLine($"   {rounds} rounds per upload, each: the raw package and the package ({packageFiles} files), then {chunk} deliveries raw, raw + ledger and drained by Courier; each ratio is of the mean of the package right before and after");
            var round = 0;
            var pushed = await PackageAsync(distributor, round, nginx, packageFiles, cancellationToken);
            foreach (var (target, upload, shape) in new[] { (Target, "temp PUT + MOVE", RawShape.Move), (PutTarget, "Upload: put", RawShape.Put) })
            {
                var ratios = new List<Ratios>();
                var drainTime = TimeSpan.Zero;
                for (var r = 0; r < rounds; r++)
                {
                    var rawPackage = await RawAsync(http, new Uri(baseUrl, $"raw-package-{round}/"), rawFile, packageFiles, RawShape.Package, nginx, cancellationToken);
                    var raw = await RawAsync(http, new Uri(baseUrl, $"raw-{target}-{r}/"), rawFile, chunk, shape, nginx, cancellationToken);
                    var ledger = await RawWithLedgerAsync(http, new Uri(baseUrl, $"raw-ledger-{target}-{r}/"), rawFile, chunk, shape, nginx, cancellationToken);
                    var drain = await DrainAsync(distributor, store, node, scanner, $"backlog-{r}", target, chunk, nginx, cancellationToken);
                    var after = await PackageAsync(distributor, ++round, nginx, packageFiles, cancellationToken);
                    var around = (pushed.Rate + after.Rate) / 2;
                    var packageCpu = new ItemCpu((pushed.Cpu.Courier + after.Cpu.Courier) / 2, (pushed.Cpu.Nginx + after.Cpu.Nginx) / 2);
                    var ratio = new Ratios(drain.Rate / around, raw.Rate / rawPackage.Rate, ledger.Rate / around, drain.Rate / ledger.Rate, packageCpu.Total / drain.Cpu.Total, LedgerBound(packageCpu, raw.Cpu, ledger.Cpu));
                    ratios.Add(ratio);
                    drainTime += drain.Time;
                    output.WriteLine(
                        $"   {upload}, round {r + 1}: package {around,5:0} files/s (mean of {pushed.Rate:0} and {after.Rate:0}), drain {drain.Rate,5:0}/s, " +
                        $"ratio {ratio.Drain:0.00} | raw package {rawPackage.Rate:0}/s, raw drain of it {ratio.Raw:0.00} | raw + ledger {ratio.Ledger:0.00} of the package, " +
                        $"Courier {ratio.OfLedger:0.00} of it | CPU per item, Courier + nginx: package {packageCpu.Courier:0} + {packageCpu.Nginx:0}, " +
                        $"drain {drain.Cpu.Courier:0} + {drain.Cpu.Nginx:0}, raw {raw.Cpu.Courier:0} + {raw.Cpu.Nginx:0}, raw + ledger {ledger.Cpu.Courier:0} + {ledger.Cpu.Nginx:0} µs; " +
                        $"CPU-only bound {ratio.CpuBound:0.00}, with no more than a package file and the plain ledger per delivery {ratio.LedgerBound:0.00}; " +
                        $"cores busy draining {drain.Cpu.Cores(drain.Rate):0.0}, stolen by the host {drain.Steal:0.00}");
                    pushed = after;
                }

                output.WriteLine(
                    $"   drain, {upload}: {rounds * chunk} deliveries in {drainTime.TotalSeconds:0.00} s; median of {rounds} rounds: " +
                    $"ratio drain/package {Median(ratios, x => x.Drain):0.00} (rounds {Range(ratios, x => x.Drain)}), raw drain/raw package {Median(ratios, x => x.Raw):0.00}, " +
                    $"raw + ledger/package {Median(ratios, x => x.Ledger):0.00}, Courier/raw + ledger {Median(ratios, x => x.OfLedger):0.00}, CPU-only bound {Median(ratios, x => x.CpuBound):0.00}, " +
                    $"bound for a drain that costs no more than a package file and the plain ledger per delivery {Median(ratios, x => x.LedgerBound):0.00} (rounds {Range(ratios, x => x.LedgerBound)})");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
            await RawTransfers.DeleteQuietlyAsync(baseUrl);
        }
    }

    /// <summary>Courier pushing the package (the sync path) as a video of its own (<paramref name="round"/> numbers it), timed.</summary>
    private static async Task<Measured> PackageAsync(Distributor distributor, int round, ServerCpu? nginx, int files, CancellationToken cancellationToken)
    {
        var meter = CpuMeter.Start(nginx);
        var time = await PackageBenchmark.TimeAsync(() => CheckAsync(distributor.DistributeAsync(new SubmitRequest($"package-{round}", [new RenditionRequest("hls", "hls")], [Target]), null, cancellationToken)));
        return Measured.Of(meter, files, time);
    }

    /// <summary>
    /// Submits <paramref name="deliveries"/> to <paramref name="target"/> (queued, as when it is down), makes them due at
    /// once as a recovered target's are, and times the drain (the work loop of <c>serve</c>, on until nothing is due).
    /// Video ids start with <paramref name="name"/>.
    /// </summary>
    private static async Task<Measured> DrainAsync(Distributor distributor, IDeliveryStore store, NodeIdentity node, RetryScanner scanner, string name, string target, int deliveries, ServerCpu? nginx, CancellationToken cancellationToken)
    {
        var videos = (deliveries + RenditionsPerVideo - 1) / RenditionsPerVideo;
        await Parallel.ForEachAsync(Enumerable.Range(0, videos), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (v, token) =>
        {
            var renditions = Enumerable.Range(0, Math.Min(RenditionsPerVideo, deliveries - (v * RenditionsPerVideo))).Select(r => new RenditionRequest($"r{r}", $"r{r}.ts")).ToList();
            await distributor.SubmitAsync(new SubmitRequest($"{name}-{target}-{v:00000}", renditions, [target]), token);
        });
        await store.ReleaseNodeAsync(node.Id, DateTimeOffset.UtcNow, cancellationToken);
        await store.MakeDueAsync(target, DateTimeOffset.UtcNow, cancellationToken);

        var drained = 0;
        var meter = CpuMeter.Start(nginx);
        var time = await PackageBenchmark.TimeAsync(async () => drained = (await scanner.RunUntilIdleAsync(cancellationToken)).Delivered);
        return drained == deliveries ? Measured.Of(meter, deliveries, time) : throw new InvalidOperationException($"{drained} of {deliveries} deliveries to {target} drained");
    }

    /// <summary>
    /// A raw baseline: the HTTP requests of <paramref name="count"/> small files and nothing else, with plain HttpClient
    /// calls, <see cref="PackageBenchmark.Concurrency"/> at once on reused connections (what Courier runs for small files).
    /// <see cref="RawShape.Package"/> puts every file into one directory, as a package's segments go, with a PUT to the final
    /// name; the others give each file a directory of its own, as Courier lays out a video's renditions
    /// (<c>{video}/{rendition}/{file}</c>), with a PUT to a temp name and a MOVE onto the final one, or a PUT to the final
    /// name. Each file then gets a HEAD whose size must match. Returns files per second and the CPU per file.
    /// </summary>
    private static async Task<Measured> RawAsync(HttpClient http, Uri root, string file, int count, RawShape shape, ServerCpu? nginx, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file).Length;
        var options = new ParallelOptions { MaxDegreeOfParallelism = PackageBenchmark.Concurrency, CancellationToken = cancellationToken };
        var meter = CpuMeter.Start(nginx);
        var time = await PackageBenchmark.TimeAsync(() => Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) => await RawRequestsAsync(http, root, file, length, shape, i, token)));
        return Measured.Of(meter, count, time);
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
    private static async Task<Measured> RawWithLedgerAsync(HttpClient http, Uri root, string file, int count, RawShape shape, ServerCpu? nginx, CancellationToken cancellationToken)
    {
        const int PerWorker = 4;
        var length = new FileInfo(file).Length;
        var meter = CpuMeter.Start(nginx);
        var rate = await RawQueue.MeasureSqliteLedgerAsync(count, PackageBenchmark.Concurrency / PerWorker, PerWorker, (i, token) => RawRequestsAsync(http, root, file, length, shape, (int)i, token), cancellationToken);
        return Measured.Of(meter, count, TimeSpan.FromSeconds(count / rate));
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

    /// <summary>The median of the rounds' <paramref name="of"/> (the p50 the stats report uses).</summary>
    private static double Median(List<Ratios> rounds, Func<Ratios, double> of) => StatsCalculator.Percentiles(rounds.Select(of).ToList()).P50!.Value;

    private static string Range(List<Ratios> rounds, Func<Ratios, double> of) => $"{rounds.Min(of):0.00}-{rounds.Max(of):0.00}";

    /// <summary>One timed run: how many items in what time, the CPU per item, and the cores the host took meanwhile (steal).</summary>
    private readonly record struct Measured(int Items, TimeSpan Time, ItemCpu Cpu, double? Steal)
    {
        public double Rate => Items / Time.TotalSeconds;

        public static Measured Of(CpuMeter meter, int items, TimeSpan time)
        {
            var (courier, nginx) = meter.PerItem(items);
            return new Measured(items, time, new ItemCpu(courier, nginx), meter.StealCores());
        }
    }

    /// <summary>
    /// One round's ratios: the drain to the package; the raw drain to the raw package (what the target alone makes of a
    /// drained delivery's requests); raw + ledger to the package; the drain to raw + ledger (what Courier adds); and the
    /// ratio CPU alone would allow (the package's CPU per file over the drain's per delivery, Courier's and nginx's).
    /// </summary>
    private readonly record struct Ratios(double Drain, double Raw, double Ledger, double OfLedger, double CpuBound, double LedgerBound);

    /// <summary>
    /// The ratio a drain could reach, bound by CPU on both cores, if a drained delivery cost its client no more than a
    /// package file costs Courier plus what the plain ledger adds to the raw requests (raw + ledger's CPU less the raw
    /// drain's), and cost nginx what the raw drain's requests do: the package's CPU per file over that. A drained delivery
    /// makes the same requests as a package file and reads the same source, so Courier cannot spend less on it than that
    /// without recording it in less than the plain ledger does (a claim, the outcome, an attempt, a file row, durably).
    /// </summary>
    private static double LedgerBound(ItemCpu package, ItemCpu raw, ItemCpu ledger) =>
        package.Total / (package.Courier + Math.Max(0, ledger.Courier - raw.Courier) + (raw.Nginx ?? 0));

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
