using System.Diagnostics;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Targets;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// A rendition package (2,000 × 256 KiB segments and a playlist; smoke: 16 × 16 KiB) and three large files (3 × 512 MiB;
/// smoke: 3 × 4 MiB), each pushed by Courier to a filesystem target and to nginx WebDAV at once, with <c>Verify: size</c>
/// and with full verification, against raw baselines in the same run that do the same work with the same concurrency:
/// HttpClient PUTs on reused connections, and write + fsync + rename per file; for full verification the raw baseline also
/// reads every file back and hashes it. A stopwatch breakdown replays each step of the http protocol on its own.
/// </summary>
/// <remarks>Constructed with <c>largeOnly</c> it is the <c>large</c> benchmark: the large files alone, and their breakdown.</remarks>
internal sealed class PackageBenchmark(bool largeOnly = false) : IBenchmark
{
    /// <summary>Files in flight at once, per target, in the raw baselines: what Courier runs for small files (RenditionPusher).</summary>
    internal const int Concurrency = 16;

    /// <summary>Large files in flight at once, per target, in the raw baselines: Courier runs four deliveries at once (Distribution:MaxConcurrency), two per target here.</summary>
    private const int LargeConcurrency = 2;

    public string Name => largeOnly ? "large" : "package";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var webdav = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_URL");
        if (string.IsNullOrEmpty(webdav))
        {
            throw new InvalidOperationException("COURIER_TEST_WEBDAV_URL is not set: run `.ci/services start` and `source .ci/work/env` first");
        }

        var segments = smoke || largeOnly ? 16 : 2000;
        var segmentSize = smoke || largeOnly ? 16 << 10 : 256 << 10;
        var largeSize = smoke ? 4L << 20 : 512L << 20;
        var directory = Directory.CreateTempSubdirectory("courier-bench-package-");
        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var baseUrl = new Uri(new Uri(webdav), prefix + "/");
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            var package = WritePackage(Path.Combine(media, "hls"), segments, segmentSize);
            var large = Enumerable.Range(1, 3).Select(i => Path.Combine(media, $"large-{i}.mp4")).ToList();
            foreach (var file in large)
            {
                BenchFiles.WriteRandom(file, largeSize);
            }

            output.WriteLine($"   package: {segments} × {segmentSize >> 10} KiB segments + playlist; large: 3 × {largeSize >> 20} MiB; to a filesystem target and nginx WebDAV at once; raw: {Concurrency} segments or {LargeConcurrency} large files at once per target, connections reused");
            using var http = RawTransfers.CreateClient();
            await using var services = await ComposeAsync(directory.FullName, media, baseUrl, cancellationToken);
            var distributor = services.GetRequiredService<Distributor>();
            var raw = new RawTransfers(http, Path.Combine(directory.FullName, "raw"), new Uri(baseUrl, "raw/"));

            // Warm-up (JIT, connections, the database file), not measured.
            await raw.PushAsync("warm-up", package.Take(8).ToList(), Concurrency, readBack: true, cancellationToken);
            await DistributeAsync(distributor, "warm-up", "hls", ["fs-full", "http-full", "fs-size", "http-size"], cancellationToken);

            await JitSettle.WaitAsync(output, cancellationToken);

            // The machine is shared: rounds alternate which side goes first, the size and full comparisons of the same
            // files take turns at going first too (a mode run always first would always get the same slot of a drifting
            // load), and the best of each side counts.
            var rounds = smoke ? 1 : largeOnly ? 3 : 2;
            output.WriteLine($"   {rounds} round(s), best of each; each round's times in brackets");
            output.WriteLine($"   {"work",-34} {"raw",9} {"Courier",9} {"ratio",6}");
            if (!largeOnly)
            {
                await CompareAsync(output, rounds, cancellationToken,
                    new Comparison("package, Verify: size",
                        run => raw.PushAsync(run, package, Concurrency, readBack: false, cancellationToken),
                        run => DistributeAsync(distributor, run, "hls", ["fs-size", "http-size"], cancellationToken)),
                    new Comparison("package, full (raw reads back)",
                        run => raw.PushAsync(run, package, Concurrency, readBack: true, cancellationToken),
                        run => DistributeAsync(distributor, run, "hls", ["fs-full", "http-full"], cancellationToken)));
            }

            List<Comparison> largeComparisons =
            [
                new("3 large, Verify: size",
                    run => raw.PushAsync(run, large, LargeConcurrency, readBack: false, cancellationToken),
                    run => DistributeLargeAsync(distributor, run, large, ["fs-size", "http-size"], cancellationToken)),
                new("3 large, full (raw reads back)",
                    run => raw.PushAsync(run, large, LargeConcurrency, readBack: true, cancellationToken),
                    run => DistributeLargeAsync(distributor, run, large, ["fs-full", "http-full"], cancellationToken)),
            ];
            if (largeOnly)
            {
                // Courier's schedule: one pool of Distribution:MaxConcurrency pushes over both targets, in claim order, so a
                // slot a fast target frees goes to the next push whichever target it is for (the raw lines: two per target).
                largeComparisons.Add(new("3 large, size, raw as Courier runs",
                    run => raw.PushInClaimOrderAsync(run, large, 2 * LargeConcurrency, cancellationToken),
                    run => DistributeLargeAsync(distributor, run, large, ["fs-size", "http-size"], cancellationToken)));
            }

            await CompareAsync(output, rounds, cancellationToken, [.. largeComparisons]);

            await BreakdownAsync(output, http, raw, services.GetRequiredService<TargetRegistry>(), large, LargeConcurrency, baseUrl, cancellationToken);
            if (largeOnly)
            {
                return;
            }

            var submit = await TimeAsync(() => distributor.SubmitAsync(new SubmitRequest("submit-only", [new RenditionRequest("hls", "hls")], ["fs-size", "http-size"]), cancellationToken));
            output.WriteLine($"   Courier's submit of the package alone (list, fingerprint, ledger): {submit.TotalSeconds:0.000} s");
            await BreakdownAsync(output, http, raw, services.GetRequiredService<TargetRegistry>(), package, Concurrency, baseUrl, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
            await RawTransfers.DeleteQuietlyAsync(baseUrl);
        }
    }

    /// <summary>
    /// Where the time of a push goes: each step Courier takes, timed on its own over all of <paramref name="files"/>,
    /// <paramref name="concurrency"/> at once, each after a <c>sync</c>; then Courier's own puts under each verify mode.
    /// </summary>
    private static async Task BreakdownAsync(TextWriter output, HttpClient http, RawTransfers raw, TargetRegistry targets, IReadOnlyList<string> files, int concurrency, Uri baseUrl, CancellationToken cancellationToken)
    {
        var root = new Uri(baseUrl, "steps-" + Guid.NewGuid().ToString("N")[..8] + "/");
        Uri UrlOf(string file, string name = "") => new(root, Uri.EscapeDataString(name.Length > 0 ? name : Path.GetFileName(file)));
        var run = "steps-" + concurrency;
        var steps = new List<(string Step, TimeSpan Time)>
        {
            ("HEAD (absent)", await EachAsync(f => SendAsync(http, HttpMethod.Head, UrlOf(f), cancellationToken))),
            ("PUT to a temp name", await EachAsync(f => RawTransfers.PutAsync(http, UrlOf(f, ".tmp-" + Path.GetFileName(f)), f, cancellationToken))),
            ("MOVE onto the final name", await EachAsync(f => RawTransfers.MoveAsync(http, UrlOf(f, ".tmp-" + Path.GetFileName(f)), UrlOf(f), cancellationToken))),
            ("HEAD (size check)", await EachAsync(f => RawTransfers.CheckSizeAsync(http, UrlOf(f), new FileInfo(f).Length, cancellationToken))),
            ("GET + SHA-256", await EachAsync(f => RawTransfers.GetHashAsync(http, UrlOf(f), cancellationToken))),
            ("PUT to the final name", await EachAsync(f => RawTransfers.PutAsync(http, UrlOf(f, "direct-" + Path.GetFileName(f)), f, cancellationToken))),
            ("fs: write to a temp name", await EachAsync(f => raw.WriteTempAsync(run, f, fsync: false, cancellationToken))),
            ("fs: fsync of the temp file", await EachAsync(f => raw.FsyncTempAsync(run, f), flushFirst: false)),
            ("fs: rename onto the final name", await EachAsync(f => raw.RenameAsync(run, f))),
            ("fs: size check (stat)", await EachAsync(f => raw.StatAsync(run, f))),
            ("fs: read back + SHA-256", await EachAsync(f => raw.ReadBackAsync(run, f, cancellationToken))),
        };
        var key = "steps-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var verify in new[] { "size", "full" })
        {
            foreach (var kind in new[] { "fs", "http" })
            {
                var target = targets.Find($"{kind}-{verify}")!;
                steps.Add(($"Courier {kind} PutAsync ({verify})", await EachAsync(f => target.PutAsync(new ObjectPut($"{key}/{Path.GetFileName(f)}", f, new FileInfo(f).Length, "video/mp4"), cancellationToken))));
            }
        }

        output.WriteLine($"   where the time goes, {files.Count} files, {concurrency} at once, each step alone:");
        foreach (var (step, time) in steps)
        {
            output.WriteLine($"     {step,-34} {time.TotalSeconds,7:0.000} s");
        }

        // The fsync step alone must find the writes of the step before it unflushed: that is what it measures.
        Task<TimeSpan> EachAsync(Func<string, Task> step, bool flushFirst = true) => TimeAsync(() =>
            Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (f, _) => await step(f)), flushFirst);
    }

    private static List<string> WritePackage(string directory, int segments, int size)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(7);
        var bytes = new byte[size];
        var files = new List<string>();
        var playlist = new System.Text.StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n");
        for (var i = 0; i < segments; i++)
        {
            random.NextBytes(bytes);
            var name = $"segment_{i:00000}.ts";
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
            files.Add(Path.Combine(directory, name));
            playlist.Append("#EXTINF:4.0,\n").Append(name).Append('\n');
        }

        playlist.Append("#EXT-X-ENDLIST\n");
        File.WriteAllText(Path.Combine(directory, "index.m3u8"), playlist.ToString());
        files.Add(Path.Combine(directory, "index.m3u8"));
        return files;
    }

    private static Task<CourierNode> ComposeAsync(string root, string media, Uri baseUrl, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var verify in new[] { "size", "full" })
        {
            settings[$"Courier:Targets:fs-{verify}:Kind"] = "filesystem";
            settings[$"Courier:Targets:fs-{verify}:Root"] = Path.Combine(root, "targets", verify);
            settings[$"Courier:Targets:fs-{verify}:Verify"] = verify;
            settings[$"Courier:Targets:http-{verify}:Kind"] = "http";
            settings[$"Courier:Targets:http-{verify}:BaseUrl"] = new Uri(baseUrl, $"courier-{verify}/").ToString();
            settings[$"Courier:Targets:http-{verify}:Verify"] = verify;
        }

        return BenchCourier.OpenAsync(root, media, settings, cancellationToken);
    }

    private static Task DistributeAsync(Distributor distributor, string videoId, string path, string[] targets, CancellationToken cancellationToken) =>
        CheckAsync(distributor.DistributeAsync(new SubmitRequest(videoId, [new RenditionRequest("hls", path)], targets), null, cancellationToken));

    private static Task DistributeLargeAsync(Distributor distributor, string videoId, IReadOnlyList<string> files, string[] targets, CancellationToken cancellationToken) =>
        CheckAsync(distributor.DistributeAsync(new SubmitRequest(videoId, [.. files.Select(f => new RenditionRequest(Path.GetFileNameWithoutExtension(f), Path.GetFileName(f)))], targets), null, cancellationToken));

    private static async Task CheckAsync(Task<DistributionReport> distribution)
    {
        var report = await distribution;
        if (report.Video.State != VideoState.Distributed)
        {
            var failed = report.Video.Deliveries.FirstOrDefault(d => d.LastError is not null);
            throw new InvalidOperationException($"{report.Video.VideoId}: {report.Video.State}: {failed?.LastError}");
        }
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    internal static async Task<TimeSpan> TimeAsync(Func<Task> action, bool flushFirst = true)
    {
        // Untimed: the page cache's dirty data of whatever ran before goes to disk first, so neither side pays for the
        // other's writes (nginx never fsyncs; a run after it would otherwise flush gigabytes it did not write).
        if (flushFirst)
        {
            using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false });
            await sync!.WaitForExitAsync();
        }

        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    /// <summary>
    /// Runs each comparison <paramref name="rounds"/> times, round by round: in each round the comparisons take turns at
    /// going first, and so do the raw and Courier sides within each; prints each comparison's best times and their ratio.
    /// </summary>
    private static async Task CompareAsync(TextWriter output, int rounds, CancellationToken cancellationToken, params Comparison[] comparisons)
    {
        var times = comparisons.Select(_ => (Raw: new List<TimeSpan>(), Courier: new List<TimeSpan>())).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var turn = 0; turn < comparisons.Length; turn++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var index = (turn + round) % comparisons.Length;
                var comparison = comparisons[index];
                var run = $"{comparison.Tag}-{round}";
                var rawFirst = (round + index) % 2 == 0;
                for (var side = 0; side < 2; side++)
                {
                    if ((side == 0) == rawFirst)
                    {
                        times[index].Raw.Add(await TimeAsync(() => comparison.Raw(run)));
                    }
                    else
                    {
                        times[index].Courier.Add(await TimeAsync(() => comparison.Courier(run)));
                    }
                }
            }
        }

        for (var i = 0; i < comparisons.Length; i++)
        {
            var (raw, courier) = (times[i].Raw.Min(), times[i].Courier.Min());
            output.WriteLine($"   {comparisons[i].What,-34} {raw.TotalSeconds,7:0.00} s {courier.TotalSeconds,7:0.00} s {raw.TotalSeconds / courier.TotalSeconds,6:0.00}   [raw {Seconds(times[i].Raw)}; Courier {Seconds(times[i].Courier)}]");
        }

        static string Seconds(List<TimeSpan> all) => string.Join(' ', all.Select(t => t.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>One line of the comparison: the same work done raw and by Courier, each under a run name of its own.</summary>
    private sealed record Comparison(string What, Func<string, Task> Raw, Func<string, Task> Courier)
    {
        public string Tag { get; } = new string([.. What.Where(char.IsAsciiLetterOrDigit)]).ToLowerInvariant();
    }
}
