using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// What a version costs the synchronous path: the latency of <c>distribute</c> of one large file (SQLite store, filesystem
/// target, full verification) the first time, against resubmitting it unchanged (the same version: a no-op) and with new
/// content of the same size (a new version, pushed over the first one's key), all in the same run, with a raw copy +
/// fsync of the same bytes as the baseline. Prints each latency and its ratio to the first submission.
/// </summary>
internal sealed class ResubmitBenchmark : IBenchmark
{
    public string Name => "resubmit";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var size = smoke ? 16L << 20 : 1L << 30;
        var directory = Directory.CreateTempSubdirectory("courier-bench-resubmit-");
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            var source = Path.Combine(media, "movie", "2160p.mp4");
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            BenchFiles.WriteRandom(source, size);
            output.WriteLine($"   file {size >> 20} MiB; Courier: SQLite store, filesystem target, durable submit, push, SHA-256 read-back");

            var rawCopy = await DistributeBenchmark.TimeAsync(() => DistributeBenchmark.RawCopyAsync(source, Path.Combine(directory.FullName, "raw-copy.mp4"), cancellationToken));
            await using var services = await ComposeAsync(directory.FullName, media, cancellationToken);
            var distributor = services.GetRequiredService<Distributor>();

            // Warm-up (JIT, the database file) on a small file and its resubmissions, not measured.
            BenchFiles.WriteRandom(Path.Combine(media, "warm-up.mp4"), 1 << 20);
            var warmUp = new SubmitRequest("warm-up", [new RenditionRequest("360p", "warm-up.mp4")], null);
            await DistributeAsync(distributor, warmUp, 1, cancellationToken);
            await DistributeAsync(distributor, warmUp, 1, cancellationToken);

            await JitSettle.WaitAsync(output, cancellationToken);

            var request = new SubmitRequest("movie", [new RenditionRequest("2160p", "movie/2160p.mp4")], null);
            var first = await DistributeBenchmark.TimeAsync(() => DistributeAsync(distributor, request, 1, cancellationToken));
            var unchanged = await DistributeBenchmark.TimeAsync(() => DistributeAsync(distributor, request, 1, cancellationToken));

            // New content of the same size: the push finds a file of that size at the key, so it hashes it before sending.
            BenchFiles.WriteRandom(source, size, seed: 43);
            var newVersion = await DistributeBenchmark.TimeAsync(() => DistributeAsync(distributor, request, 2, cancellationToken));
            var atTarget = Path.Combine(directory.FullName, "targets", "archive", "movie", "2160p", "2160p.mp4");
            if (!BenchFiles.SameBytes(source, atTarget))
            {
                throw new InvalidOperationException("the target does not hold version 2's bytes");
            }

            Print(output, "raw copy + fsync", rawCopy, first);
            Print(output, "first submission", first, first);
            Print(output, "unchanged (no-op)", unchanged, first);
            Print(output, "new content (v2)", newVersion, first);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task<CourierNode> ComposeAsync(string root, string media, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Courier:Targets:archive:Kind"] = "filesystem",
            ["Courier:Targets:archive:Root"] = Path.Combine(root, "targets", "archive"),
        };
        return BenchCourier.OpenAsync(root, media, settings, cancellationToken);
    }

    private static async Task DistributeAsync(Distributor distributor, SubmitRequest request, int version, CancellationToken cancellationToken)
    {
        var report = await distributor.DistributeAsync(request, null, cancellationToken);
        if (report.Video.State != VideoState.Distributed || report.Video.Version != version)
        {
            throw new InvalidOperationException($"{request.VideoId}: version {report.Video.Version} {report.Video.State}, expected version {version} distributed: {(report.Video.Deliveries.Count > 0 ? report.Video.Deliveries[0].LastError : null)}");
        }
    }

    private static void Print(TextWriter output, string what, TimeSpan took, TimeSpan first) =>
        output.WriteLine($"   {what,-18} {took.TotalMilliseconds,10:0.0} ms   ratio to the first submission {took.TotalSeconds / first.TotalSeconds:0.0000}");
}
