using System.Diagnostics;
using System.Globalization;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Ingest;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>
/// Ingest: a generated 1080p clip (ffmpeg <c>testsrc</c>, 60 s; smoke: 4 s at 720p) transcoded into the ladder and
/// distributed to two filesystem targets, each rendition the moment it is encoded, against the baseline in the same run:
/// transcode every rendition (the same transcoder, the same settings), then distribute them all. Prints, for each, the
/// seconds from the start until the first rendition is available at both targets and until every rendition is, and the
/// ratios Courier / baseline (below 1: Courier is sooner).
/// </summary>
internal sealed class IngestBenchmark : IBenchmark
{
    public string Name => "ingest";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var (width, height, seconds) = smoke ? (1280, 720, 4) : (1920, 1080, 60);
        var directory = Directory.CreateTempSubdirectory("courier-bench-ingest-");
        try
        {
            var media = Directory.CreateDirectory(Path.Combine(directory.FullName, "media")).FullName;
            var source = Path.Combine(media, "raw", "clip.mp4");
            await GenerateAsync(source, width, height, seconds, cancellationToken);
            output.WriteLine($"   source {seconds} s {width}x{height} (testsrc); 2 filesystem targets; SQLite store; x264 preset veryfast; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

            await using var services = await ComposeAsync(directory.FullName, media, cancellationToken);
            var ingest = services.GetRequiredService<IngestService>();
            var transcoder = services.GetRequiredService<ITranscoder>();
            var distributor = services.GetRequiredService<Distributor>();
            var options = services.GetRequiredService<Core.Configuration.CourierOptions>().Ingest;

            // Courier: each rendition distributed the moment it is encoded.
            var report = await ingest.IngestAsync(new IngestRequest("clip", "raw/clip.mp4"), null, cancellationToken);
            var courierFirst = report.Targets.Max(t => t.FirstRenditionSeconds ?? double.NaN);
            var courierAll = report.Targets.Max(t => t.AllRenditionsSeconds ?? double.NaN);

            // Baseline: transcode every rendition, then distribute them all.
            var started = Stopwatch.GetTimestamp();
            var startedAt = TimeProvider.System.GetUtcNow();
            var probe = await transcoder.ProbeAsync(source, cancellationToken);
            var rungs = Ladder.Fit(Ladder.Parse(null, options.LadderNames, "ladder"), probe, "ladder");
            var renditions = new List<RenditionRequest>();
            foreach (var rung in rungs)
            {
                var output2 = Path.Combine(media, "baseline", rung.Name);
                await transcoder.TranscodeAsync(probe, new RenditionPlan(rung, options.SegmentDuration), output2, null, cancellationToken);
                renditions.Add(new RenditionRequest(rung.Name, $"baseline/{rung.Name}"));
            }

            var distributed = await distributor.DistributeAsync(new SubmitRequest("baseline", renditions), null, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var delivered = distributed.Video.Deliveries.Where(d => d.State == DeliveryState.Delivered && d.DeliveredAt is not null).ToList();
            if (delivered.Count != rungs.Count * 2 || report.Video.Deliveries.Count(d => d.State == DeliveryState.Delivered) != rungs.Count * 2)
            {
                throw new InvalidOperationException("not every rendition was delivered: the figures would mean nothing");
            }

            // First rendition at both targets: the earliest rendition delivered to both.
            var baselineFirst = delivered.GroupBy(d => d.Rendition).Min(g => g.Max(d => (d.DeliveredAt!.Value - startedAt).TotalSeconds));
            var baselineAll = Math.Min(elapsed, delivered.Max(d => (d.DeliveredAt!.Value - startedAt).TotalSeconds));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   ladder {string.Join(",", rungs.Select(r => r.Name))}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   first rendition at both targets: Courier {courierFirst:0.00} s, baseline {baselineFirst:0.00} s, ratio {courierFirst / baselineFirst:0.00}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   every rendition at both targets: Courier {courierAll:0.00} s, baseline {baselineAll:0.00} s, ratio {courierAll / baselineAll:0.00}"));
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
            ["Courier:Targets:mirror:Kind"] = "filesystem",
            ["Courier:Targets:mirror:Root"] = Path.Combine(root, "targets", "mirror"),
        };
        return BenchCourier.OpenAsync(root, media, settings, cancellationToken);
    }

    private static async Task GenerateAsync(string path, int width, int height, int seconds, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "-hide_banner", "-nostdin", "-y", "-v", "error",
            "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot run ffmpeg: install the Debian package ffmpeg");
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not generate the clip: {errors.Trim()}");
        }
    }
}
