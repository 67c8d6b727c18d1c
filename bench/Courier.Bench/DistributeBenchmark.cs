using System.Diagnostics;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// The synchronous path end to end — SQLite store, durable submit, push, full verification (SHA-256 read-back) — for one
/// large file to a filesystem target and to an http target (nginx WebDAV at COURIER_TEST_WEBDAV_URL), against raw
/// baselines in the same run: a copy with fsync, and one plain HttpClient PUT of the same file. Prints MiB/s, the ratio,
/// and the process's peak working set against the file size (streaming keeps memory flat).
/// </summary>
internal sealed class DistributeBenchmark : IBenchmark
{
    public string Name => "distribute";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var webdav = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_URL");
        if (string.IsNullOrEmpty(webdav))
        {
            throw new InvalidOperationException("COURIER_TEST_WEBDAV_URL is not set: run `.ci/services start` and `source .ci/work/env` first");
        }

        var size = smoke ? 16L << 20 : 1L << 30;
        var directory = Directory.CreateTempSubdirectory("courier-bench-distribute-");
        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            var source = Path.Combine(media, "2160p.mp4");
            BenchFiles.WriteRandom(source, size);
            output.WriteLine($"   file {size >> 20} MiB; Courier: SQLite store, durable submit, push, SHA-256 read-back");

            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var rawCopy = await TimeAsync(() => RawCopyAsync(source, Path.Combine(directory.FullName, "raw-copy.mp4"), cancellationToken));
            var rawPut = await TimeAsync(() => RawPutAsync(http, new Uri(new Uri(webdav), $"{prefix}/raw/2160p.mp4"), source, cancellationToken));

            await using var services = await ComposeAsync(directory.FullName, media, new Uri(new Uri(webdav), $"{prefix}/courier/").ToString(), cancellationToken);
            var distributor = services.GetRequiredService<Distributor>();
            // Warm-up (JIT, connections, the database file) on a small file, not measured.
            BenchFiles.WriteRandom(Path.Combine(media, "warm-up.mp4"), 1 << 20);
            foreach (var target in new[] { "archive", "cdn" })
            {
                await distributor.DistributeAsync(new SubmitRequest("warm-up", [new RenditionRequest("360p", "warm-up.mp4")], [target]), null, cancellationToken);
            }

            await JitSettle.WaitAsync(output, cancellationToken);

            var before = Process.GetCurrentProcess().PeakWorkingSet64;
            var courierFs = await TimeAsync(() => DistributeAsync(distributor, "fs", "archive", cancellationToken));
            var courierHttp = await TimeAsync(() => DistributeAsync(distributor, "http", "cdn", cancellationToken));
            var peak = Process.GetCurrentProcess().PeakWorkingSet64;

            Print(output, "filesystem", size, rawCopy, "copy + fsync", courierFs);
            Print(output, "http (nginx)", size, rawPut, "HttpClient PUT", courierHttp);
            output.WriteLine($"   peak working set {peak >> 20} MiB (before Courier ran: {before >> 20} MiB) for a {size >> 20} MiB file");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task<CourierNode> ComposeAsync(string root, string media, string baseUrl, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Courier:Targets:archive:Kind"] = "filesystem",
            ["Courier:Targets:archive:Root"] = Path.Combine(root, "targets", "archive"),
            ["Courier:Targets:cdn:Kind"] = "http",
            ["Courier:Targets:cdn:BaseUrl"] = baseUrl,
        };
        return BenchCourier.OpenAsync(root, media, settings, cancellationToken);
    }

    private static async Task DistributeAsync(Distributor distributor, string videoId, string target, CancellationToken cancellationToken)
    {
        var report = await distributor.DistributeAsync(new SubmitRequest(videoId, [new RenditionRequest("2160p", "2160p.mp4")], [target]), null, cancellationToken);
        if (report.Video.State != VideoState.Distributed)
        {
            throw new InvalidOperationException($"{target}: {report.Video.State}: {report.Video.Deliveries[0].LastError}");
        }
    }

    /// <summary>The raw baseline of a filesystem push: a stream copy and an fsync (the copy is deleted afterwards).</summary>
    internal static async Task RawCopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        await using (var input = File.OpenRead(source))
        await using (var outputFile = File.Create(destination))
        {
            await input.CopyToAsync(outputFile, 1 << 20, cancellationToken);
            outputFile.Flush(flushToDisk: true);
        }

        File.Delete(destination);
    }

    private static async Task RawPutAsync(HttpClient http, Uri url, string source, CancellationToken cancellationToken)
    {
        await using var input = File.OpenRead(source);
        using var content = new StreamContent(input, 1 << 16);
        content.Headers.ContentLength = input.Length;
        using var response = await http.PutAsync(url, content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    internal static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private static void Print(TextWriter output, string what, long size, TimeSpan raw, string rawName, TimeSpan courier)
    {
        double MiBps(TimeSpan t) => size / (1024.0 * 1024.0) / t.TotalSeconds;
        output.WriteLine($"   {what,-13} raw ({rawName}) {MiBps(raw),8:0.0} MiB/s   Courier {MiBps(courier),8:0.0} MiB/s   ratio {raw.TotalSeconds / courier.TotalSeconds:0.00}");
    }
}
