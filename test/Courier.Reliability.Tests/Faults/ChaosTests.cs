using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// Every fault at once, at random (seeded): several videos through a proxy that hurts about a third of all requests,
/// with Courier's default quick retries. Each delivery ends delivered with identical bytes or dead with a named reason,
/// and none is ever delivered while the bytes differ. Set <c>COURIER_CHAOS_SEED</c> to replay.
/// </summary>
public sealed class ChaosTests
{
    [Fact]
    public async Task Random_faults_on_every_request_never_break_the_promise()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("COURIER_CHAOS_SEED"), out var s) ? s : 4242;
        TestContext.Current.TestOutputHelper?.WriteLine($"chaos seed {seed}");
        await using var proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.WebDavUrl);
        var faults = new[]
        {
            Fault.Status(500), Fault.Status(503, 1), Fault.Status(429, 1), Fault.Reset(), Fault.HangAfterBody(),
            Fault.StallMidBody(50_000), Fault.TruncateBody(), Fault.FlipByte(), Fault.OkWithoutStoring(), Fault.TruncateResponse(),
        };
        var rules = faults.Select((fault, i) => proxy.Add(FaultRule.For(fault).WithProbability(0.04, seed + i))).ToList();

        var prefix = $"chaos-{Guid.NewGuid():N}";
        var settings = CourierHarness.FastSettings();
        settings["Courier:Retry:MaxAttempts"] = "8";
        settings["Courier:Retry:QuickRetries"] = "2";
        settings["Courier:Retry:QuickDelay"] = "00:00:00.020";
        settings["Courier:Targets:cdn:Kind"] = "http";
        settings["Courier:Targets:cdn:BaseUrl"] = new Uri(proxy.Url, prefix + "/").AbsoluteUri;
        await using var courier = await CourierHarness.StartAsync(settings);
        var videos = Enumerable.Range(0, 6).Select(v => $"chaos-{v}").ToList();
        foreach (var (video, v) in videos.Select((video, v) => (video, v)))
        {
            courier.WriteSource($"{video}/360p.mp4", 150_000 + (v * 10_000), seed: seed + v);
            courier.WritePackage($"{video}/hls", 60_000, seed: seed + 100 + v);
        }

        bool Matches(string video, string rendition)
        {
            var source = rendition == "360p" ? Path.Combine(courier.SourceRoot, video) : Path.Combine(courier.SourceRoot, video, "hls");
            var files = rendition == "360p" ? ["360p.mp4"] : new[] { "seg_000.ts", "seg_001.ts", "seg_002.ts", "index.m3u8" };
            return files.All(f =>
            {
                var at = Path.Combine(TestEnvironment.WebDavRoot, prefix, video, rendition, f);
                return File.Exists(at) && File.ReadAllBytes(at).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(source, f)));
            });
        }

        void Invariant(VideoRecord record)
        {
            foreach (var d in record.Deliveries.Where(d => d.State == DeliveryState.Delivered))
            {
                Matches(record.VideoId, d.Rendition).ShouldBeTrue($"seed {seed}: {record.VideoId}/{d.Rendition} recorded delivered with different bytes");
            }
        }

        try
        {
            await Parallel.ForEachAsync(videos, TestContext.Current.CancellationToken, async (video, _) =>
                await courier.DistributeAsync(video, ("360p", $"{video}/360p.mp4"), ("hls", $"{video}/hls")));
            var settled = new List<VideoRecord>();
            foreach (var video in videos)
            {
                settled.Add(await courier.SettleAsync(video, TimeSpan.FromSeconds(60), Invariant));
            }

            var all = settled.SelectMany(v => v.Deliveries).ToList();
            all.Count.ShouldBe(12);
            all.Where(d => d.State == DeliveryState.Dead).ShouldAllBe(d => !string.IsNullOrWhiteSpace(d.LastError) && d.ErrorKind != null);
            all.Count(d => d.State == DeliveryState.Delivered).ShouldBeGreaterThan(6, $"seed {seed}: most deliveries get through 8 attempts");
            rules.Sum(r => r.Fired).ShouldBeGreaterThan(10, "the chaos really happened");
            var summary = $"chaos seed {seed}: {proxy.RequestCount} requests, {rules.Sum(r => r.Fired)} faulted " +
                $"({string.Join(", ", rules.Select(r => $"{r.Fault.Label} {r.Fired}"))}); " +
                $"{all.Count(d => d.State == DeliveryState.Delivered)} delivered, {all.Count(d => d.State == DeliveryState.Dead)} dead " +
                $"({string.Join(", ", all.Where(d => d.State == DeliveryState.Dead).Select(d => d.ErrorKind))})";
            TestContext.Current.TestOutputHelper?.WriteLine(summary);
            var figures = Path.Combine(AppContext.BaseDirectory, "reliability-figures");
            Directory.CreateDirectory(figures);
            await File.AppendAllTextAsync(Path.Combine(figures, "chaos.txt"), summary + "\n", TestContext.Current.CancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(Path.Combine(TestEnvironment.WebDavRoot, prefix), recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }
}
