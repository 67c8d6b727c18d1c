using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// Peak resident memory of a process that distributes one large file (4 GiB; smoke: 64 MiB) to three targets at once —
/// a filesystem, nginx WebDAV and s3rver (multipart) — with full verification, as <c>courier distribute</c> does. It runs
/// in a child process of its own (this program with <c>--memory-child</c>), so the figure is that process's peak
/// (<c>VmHWM</c> of <c>/proc/self/status</c>), not the benchmark's.
/// </summary>
internal sealed class MemoryBenchmark : IBenchmark
{
    public const string ChildFlag = "--memory-child";

    private const string Gen0Setting = "Environment=DOTNET_GCgen0size=";

    public string Name => "memory";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var size = smoke ? 64L << 20 : 4L << 30;
        var directory = Directory.CreateTempSubdirectory("courier-bench-memory-");
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            BenchFiles.WriteRandom(Path.Combine(media, "2160p.mp4"), size);
            output.WriteLine($"   one {size >> 20} MiB file to a filesystem, nginx WebDAV and s3rver at once, full verify, in a process of its own:");

            // Twice: with the runtime's defaults, and with the gen0 budget packaging/courier.service sets. The GC sizes its gen0
            // budget from the CPU's last-level cache; on a host with 105 MiB of L3 that budget alone put the peak at 165-171
            // MiB, where a 6 MiB budget gives about 125 MiB for the same work.
            output.WriteLine("   runtime defaults:");
            output.Write(await RunChildAsync(directory.FullName, null, cancellationToken));
            if (ServiceGen0Size() is { } gen0)
            {
                output.WriteLine($"   DOTNET_GCgen0size={gen0} (as packaging/courier.service sets it):");
                output.Write(await RunChildAsync(directory.FullName, gen0, cancellationToken));
            }
            else
            {
                output.WriteLine("   (packaging/courier.service, or its DOTNET_GCgen0size, not found beside this program: measured with the runtime defaults only)");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The gen0 budget <c>packaging/courier.service</c> gives Courier, read from the unit itself (the build copies it
    /// beside this program), so the figure is for what the unit sets; null when the copy or its setting is missing.
    /// </summary>
    private static string? ServiceGen0Size()
    {
        var unit = Path.Combine(AppContext.BaseDirectory, "packaging", "courier.service");
        return File.Exists(unit)
            ? File.ReadLines(unit).FirstOrDefault(line => line.StartsWith(Gen0Setting, StringComparison.Ordinal))?[Gen0Setting.Length..]
            : null;
    }

    /// <summary>Runs the child (this program with <see cref="ChildFlag"/>) with <c>DOTNET_GCgen0size</c> set when given; returns what it printed.</summary>
    private static async Task<string> RunChildAsync(string root, string? gen0Size, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { ChildFlag, root })
        {
            start.ArgumentList.Add(argument);
        }

        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Insert(0, typeof(MemoryBenchmark).Assembly.Location);
        }

        start.Environment.Remove("DOTNET_GCgen0size");
        if (gen0Size is not null)
        {
            start.Environment["DOTNET_GCgen0size"] = gen0Size;
        }

        using var child = Process.Start(start)!;
        var said = await child.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = await child.StandardError.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        return child.ExitCode == 0 ? said : throw new InvalidOperationException($"the child process exited {child.ExitCode}: {said}{errors}");
    }

    /// <summary>The child: distributes the file and prints its peak resident set.</summary>
    public static async Task<int> ChildAsync(string root, CancellationToken cancellationToken)
    {
        var webdav = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_URL") ?? throw new InvalidOperationException("COURIER_TEST_WEBDAV_URL is not set");
        var s3 = Environment.GetEnvironmentVariable("COURIER_TEST_S3_URL") ?? throw new InvalidOperationException("COURIER_TEST_S3_URL is not set");
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..16];
        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..12];
        using var client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config { ServiceURL = s3, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
        Environment.SetEnvironmentVariable("COURIER_BENCH_S3_KEY", "S3RVER");
        // A ledger and a filesystem target of this run's own: the benchmark runs the child more than once on one source.
        var own = Directory.CreateDirectory(Path.Combine(root, "run-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Courier:SourceRoot"] = Path.Combine(root, "media"),
            ["Courier:Store:ConnectionString"] = $"Data Source={Path.Combine(own, "courier.db")}",
            ["Courier:Targets:fs:Kind"] = "filesystem",
            ["Courier:Targets:fs:Root"] = Path.Combine(own, "target"),
            ["Courier:Targets:http:Kind"] = "http",
            ["Courier:Targets:http:BaseUrl"] = new Uri(new Uri(webdav), prefix + "/").ToString(),
            ["Courier:Targets:s3:Kind"] = "s3",
            ["Courier:Targets:s3:ServiceUrl"] = s3,
            ["Courier:Targets:s3:Bucket"] = bucket,
            ["Courier:Targets:s3:AccessKeyEnv"] = "COURIER_BENCH_S3_KEY",
            ["Courier:Targets:s3:SecretKeyEnv"] = "COURIER_BENCH_S3_KEY",
        };
        try
        {
            await using var services = await new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
                .OpenCourierAsync(CourierConfiguration.Load(null, settings), cancellationToken);
            var before = PeakResidentMiB();
            var clock = Stopwatch.StartNew();
            var report = await services.GetRequiredService<Distributor>().DistributeAsync(new SubmitRequest("movie-42", [new RenditionRequest("2160p", "2160p.mp4")], ["fs", "http", "s3"]), null, cancellationToken);
            if (report.Video.State != VideoState.Distributed)
            {
                throw new InvalidOperationException($"movie-42: {report.Video.State}: {report.Video.Deliveries.FirstOrDefault(d => d.LastError is not null)?.LastError}");
            }

            Console.WriteLine($"   distributed and verified at all three in {clock.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine($"   peak resident set (VmHWM): {PeakResidentMiB(),6:0} MiB (after start-up, before the push: {before:0} MiB)");
            return 0;
        }
        finally
        {
            if (Directory.Exists(Path.Combine(own, "target")))
            {
                Directory.Delete(Path.Combine(own, "target"), recursive: true);
            }

            try
            {
                foreach (var key in new[] { "movie-42/2160p/2160p.mp4" })
                {
                    await client.DeleteObjectAsync(bucket, key, CancellationToken.None);
                }

                await client.DeleteBucketAsync(bucket, CancellationToken.None);
                using var http = new HttpClient();
                using var response = await http.DeleteAsync(new Uri(new Uri(webdav), prefix + "/"), CancellationToken.None);
            }
            catch (Exception e) when (e is AmazonS3Exception or HttpRequestException)
            {
                // Leftovers in the test servers' directories are harmless.
            }
        }
    }

    private static double PeakResidentMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
