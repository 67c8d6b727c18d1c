using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
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
internal sealed class PackageBenchmark : IBenchmark
{
    /// <summary>Files in flight at once, per target, in the raw baselines: what Courier runs for small files (RenditionPusher).</summary>
    private const int Concurrency = 16;

    /// <summary>Large files in flight at once, per target, in the raw baselines: Courier runs four deliveries at once (Distribution:MaxConcurrency), two per target here.</summary>
    private const int LargeConcurrency = 2;

    public string Name => "package";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var webdav = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_URL");
        if (string.IsNullOrEmpty(webdav))
        {
            throw new InvalidOperationException("COURIER_TEST_WEBDAV_URL is not set: run `.ci/services start` and `source .ci/work/env` first");
        }

        var segments = smoke ? 16 : 2000;
        var segmentSize = smoke ? 16 << 10 : 256 << 10;
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
            using var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
            using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            await using var services = await ComposeAsync(directory.FullName, media, baseUrl, cancellationToken);
            var distributor = services.GetRequiredService<Distributor>();
            var raw = new RawTransfers(http, Path.Combine(directory.FullName, "raw"), new Uri(baseUrl, "raw/"));

            // Warm-up (JIT, connections, the database file), not measured.
            await raw.PushAsync("warm-up", package.Take(8).ToList(), Concurrency, readBack: true, cancellationToken);
            await DistributeAsync(distributor, "warm-up", "hls", ["fs-full", "http-full", "fs-size", "http-size"], cancellationToken);

            // The machine is shared: rounds alternate which side goes first, and the best of each side counts.
            var rounds = smoke ? 1 : 2;
            output.WriteLine($"   {rounds} round(s), best of each");
            output.WriteLine($"   {"work",-34} {"raw",9} {"Courier",9} {"ratio",6}");
            await CompareAsync(output, "package, Verify: size", rounds,
                run => raw.PushAsync(run, package, Concurrency, readBack: false, cancellationToken),
                run => DistributeAsync(distributor, run, "hls", ["fs-size", "http-size"], cancellationToken));
            await CompareAsync(output, "package, full (raw reads back)", rounds,
                run => raw.PushAsync(run, package, Concurrency, readBack: true, cancellationToken),
                run => DistributeAsync(distributor, run, "hls", ["fs-full", "http-full"], cancellationToken));
            await CompareAsync(output, "3 large, Verify: size", rounds,
                run => raw.PushAsync(run, large, LargeConcurrency, readBack: false, cancellationToken),
                run => DistributeLargeAsync(distributor, run, large, ["fs-size", "http-size"], cancellationToken));
            await CompareAsync(output, "3 large, full (raw reads back)", rounds,
                run => raw.PushAsync(run, large, LargeConcurrency, readBack: true, cancellationToken),
                run => DistributeLargeAsync(distributor, run, large, ["fs-full", "http-full"], cancellationToken));

            var submit = await TimeAsync(() => distributor.SubmitAsync(new SubmitRequest("submit-only", [new RenditionRequest("hls", "hls")], ["fs-size", "http-size"]), cancellationToken));
            output.WriteLine($"   Courier's submit of the package alone (list, fingerprint, ledger): {submit.TotalSeconds:0.000} s");
            await BreakdownAsync(output, http, raw, services.GetRequiredService<TargetRegistry>(), package, baseUrl, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
            await DeleteQuietlyAsync(baseUrl);
        }
    }

    /// <summary>Where the time of a package push goes: each step Courier takes, timed on its own over all the files.</summary>
    private static async Task BreakdownAsync(TextWriter output, HttpClient http, RawTransfers raw, TargetRegistry targets, IReadOnlyList<string> package, Uri baseUrl, CancellationToken cancellationToken)
    {
        var root = new Uri(baseUrl, "steps/");
        Uri UrlOf(string file, string name = "") => new(root, Uri.EscapeDataString(name.Length > 0 ? name : Path.GetFileName(file)));
        var steps = new List<(string Step, TimeSpan Time)>
        {
            ("HEAD (absent)", await EachAsync(package, f => SendAsync(http, HttpMethod.Head, UrlOf(f), cancellationToken))),
            ("PUT to a temp name", await EachAsync(package, f => RawTransfers.PutAsync(http, UrlOf(f, ".tmp-" + Path.GetFileName(f)), f, cancellationToken))),
            ("MOVE onto the final name", await EachAsync(package, f => MoveAsync(http, UrlOf(f, ".tmp-" + Path.GetFileName(f)), UrlOf(f), cancellationToken))),
            ("HEAD (size check)", await EachAsync(package, f => SendAsync(http, HttpMethod.Head, UrlOf(f), cancellationToken))),
            ("GET + SHA-256", await EachAsync(package, f => RawTransfers.GetHashAsync(http, UrlOf(f), cancellationToken))),
            ("PUT to the final name", await EachAsync(package, f => RawTransfers.PutAsync(http, UrlOf(f, "direct-" + Path.GetFileName(f)), f, cancellationToken))),
            ("fs: write + fsync + rename", await EachAsync(package, f => raw.WriteFileAsync("steps", f, cancellationToken))),
            ("fs: read back + SHA-256", await EachAsync(package, f => raw.ReadBackAsync("steps", f, cancellationToken))),
        };
        var http2 = targets.Find("http-full")!;
        var fs = targets.Find("fs-full")!;
        steps.Add(("Courier http StatAsync (absent)", await EachAsync(package, f => http2.StatAsync($"steps/absent/{Path.GetFileName(f)}", false, cancellationToken))));
        steps.Add(("Courier http PutAsync (full)", await EachAsync(package, f => http2.PutAsync(new ObjectPut($"steps/put/{Path.GetFileName(f)}", f, new FileInfo(f).Length, "video/mp2t"), cancellationToken))));
        steps.Add(("Courier fs PutAsync (full)", await EachAsync(package, f => fs.PutAsync(new ObjectPut($"steps/put/{Path.GetFileName(f)}", f, new FileInfo(f).Length, "video/mp2t"), cancellationToken))));
        output.WriteLine($"   where the time goes, {package.Count} files, {Concurrency} at once, each step alone:");
        foreach (var (step, time) in steps)
        {
            output.WriteLine($"     {step,-34} {time.TotalSeconds,7:0.000} s");
        }

        Task<TimeSpan> EachAsync(IReadOnlyList<string> files, Func<string, Task> step) => TimeAsync(() =>
            Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (f, _) => await step(f)));
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

    private static async Task MoveAsync(HttpClient http, Uri from, Uri to, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod("MOVE"), from);
        request.Headers.TryAddWithoutValidation("Destination", to.AbsoluteUri);
        request.Headers.TryAddWithoutValidation("Overwrite", "T");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static async Task DeleteQuietlyAsync(Uri url)
    {
        try
        {
            using var http = new HttpClient();
            using var response = await http.DeleteAsync(url);
        }
        catch (HttpRequestException)
        {
            // Leftovers in the test server's root are harmless.
        }
    }

    internal static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        // Untimed: the page cache's dirty data of whatever ran before goes to disk first, so neither side pays for the
        // other's writes (nginx never fsyncs; a run after it would otherwise flush gigabytes it did not write).
        using (var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false }))
        {
            await sync!.WaitForExitAsync();
        }

        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private static async Task CompareAsync(TextWriter output, string what, int rounds, Func<string, Task> raw, Func<string, Task> courier)
    {
        var tag = new string([.. what.Where(char.IsAsciiLetterOrDigit)]).ToLowerInvariant();
        TimeSpan bestRaw = TimeSpan.MaxValue, bestCourier = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var run = $"{tag}-{round}";
            if (round % 2 == 0)
            {
                bestRaw = Min(bestRaw, await TimeAsync(() => raw(run)));
                bestCourier = Min(bestCourier, await TimeAsync(() => courier(run)));
            }
            else
            {
                bestCourier = Min(bestCourier, await TimeAsync(() => courier(run)));
                bestRaw = Min(bestRaw, await TimeAsync(() => raw(run)));
            }
        }

        output.WriteLine($"   {what,-34} {bestRaw.TotalSeconds,7:0.00} s {bestCourier.TotalSeconds,7:0.00} s {bestRaw.TotalSeconds / bestCourier.TotalSeconds,6:0.00}");

        static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }

    /// <summary>The raw baselines: the same files to a directory and to nginx at once, with plain .NET calls.</summary>
    private sealed class RawTransfers(HttpClient http, string root, Uri baseUrl)
    {
        /// <summary>Every file to both places at once, <paramref name="concurrency"/> files at a time per place; optionally read back and hashed.</summary>
        public Task PushAsync(string run, IReadOnlyList<string> files, int concurrency, bool readBack, CancellationToken cancellationToken)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
            var toDisk = Parallel.ForEachAsync(files, options, async (file, token) =>
            {
                await WriteFileAsync(run, file, token);
                if (readBack)
                {
                    await ReadBackAsync(run, file, token);
                }
            });
            var toHttp = Parallel.ForEachAsync(files, options, async (file, token) =>
            {
                var url = new Uri(baseUrl, $"{run}/{Uri.EscapeDataString(Path.GetFileName(file))}");
                await PutAsync(http, url, file, token);
                if (readBack)
                {
                    await GetHashAsync(http, url, token);
                }
            });
            return Task.WhenAll(toDisk, toHttp);
        }

        public async Task WriteFileAsync(string run, string file, CancellationToken cancellationToken)
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, run)).FullName;
            var final = Path.Combine(directory, Path.GetFileName(file));
            var temp = Path.Combine(directory, "." + Path.GetFileName(file) + ".tmp");
            await using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous))
            await using (var copy = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await input.CopyToAsync(copy, 1 << 20, cancellationToken);
                copy.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
        }

        public async Task ReadBackAsync(string run, string file, CancellationToken cancellationToken)
        {
            await using var input = new FileStream(Path.Combine(root, run, Path.GetFileName(file)), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await SHA256.HashDataAsync(input, cancellationToken);
        }

        public static async Task PutAsync(HttpClient http, Uri url, string file, CancellationToken cancellationToken)
        {
            await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
            using var content = new StreamContent(input, 256 << 10);
            content.Headers.ContentLength = input.Length;
            using var response = await http.PutAsync(url, content, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
            {
                throw new InvalidOperationException($"PUT {url}: {(int)response.StatusCode}");
            }
        }

        public static async Task GetHashAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await SHA256.HashDataAsync(body, cancellationToken);
        }
    }
}
