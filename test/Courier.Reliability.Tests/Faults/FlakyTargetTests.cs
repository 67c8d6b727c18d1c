using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// A flaky target: about one request in three fails (503), at random (seeded), for the whole run. Every attempt gets some
/// files of a package through before one fails for good; an attempt that verified new files made progress and does not
/// use up the attempt budget, so every package ends delivered instead of dead after <c>Retry:MaxAttempts</c>. Set
/// <c>COURIER_FLAKY_SEED</c> to replay a run.
/// </summary>
public sealed class FlakyTargetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Packages_through_a_target_failing_one_request_in_three_all_end_delivered(string store)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("COURIER_FLAKY_SEED"), out var s) ? s : 20261201;
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var flaky = proxy.Add(FaultRule.For(Fault.Status(503)).WithProbability(1.0 / 3, seed));
        var prefix = $"flaky-{Guid.NewGuid():N}";
        var settings = CourierHarness.FastSettings();
        settings.Remove("Courier:Retry:MaxAttempts"); // the default budget (10), as in production
        settings.Remove("Courier:Retry:QuickRetries"); // the default quick retries (2)
        settings["Courier:Retry:QuickDelay"] = "00:00:00.010";
        settings["Courier:Targets:cdn:Kind"] = "http";
        settings["Courier:Targets:cdn:BaseUrl"] = new Uri(proxy.Url, prefix + "/").AbsoluteUri;
        string? schema = null;
        if (store == "postgres")
        {
            schema = "flaky_" + Guid.NewGuid().ToString("N")[..16];
            settings["Courier:Store:Provider"] = "postgres";
            settings["Courier:Store:ConnectionString"] = TestEnvironment.PostgresConnectionString;
            settings["Courier:Store:Schema"] = schema;
        }

        try
        {
            await using var courier = await CourierHarness.StartAsync(settings);
            var random = new Random(seed);
            var packages = Enumerable.Range(0, 12).Select(p => (Video: $"flaky-{p / 3}", Rendition: $"hls{p % 3}", Files: random.Next(10, 31))).ToList();
            foreach (var (video, rendition, files) in packages)
            {
                var playlist = new System.Text.StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
                for (var f = 0; f < files - 1; f++)
                {
                    courier.WriteSource($"{video}/{rendition}/seg_{f:000}.ts", 20_000 + random.Next(20_000), seed: random.Next());
                    playlist.Append($"#EXTINF:2,\nseg_{f:000}.ts\n");
                }

                courier.WriteSource($"{video}/{rendition}/index.m3u8", playlist.Append("#EXT-X-ENDLIST\n").ToString());
            }

            var videos = packages.GroupBy(p => p.Video).ToList();
            await Parallel.ForEachAsync(videos, Ct, async (video, _) =>
                await courier.DistributeAsync(video.Key, video.Select(p => (p.Rendition, $"{video.Key}/{p.Rendition}/")).ToArray()));
            var settled = new List<VideoRecord>();
            foreach (var video in videos)
            {
                settled.Add(await courier.SettleAsync(video.Key, TimeSpan.FromSeconds(120)));
            }

            var deliveries = settled.SelectMany(v => v.Deliveries).ToList();
            var delivered = deliveries.Count(d => d.State == DeliveryState.Delivered);
            var summary = $"flaky seed {seed} ({store}): {delivered} of {deliveries.Count} packages delivered; {proxy.RequestCount} requests, {flaky.Fired} failed; " +
                $"attempts counted {deliveries.Sum(d => d.Attempts)}; dead: {string.Join(", ", deliveries.Where(d => d.State == DeliveryState.Dead).Select(d => $"{d.VideoId}/{d.Rendition} {d.LastError}"))}";
            TestContext.Current.TestOutputHelper?.WriteLine(summary);
            var figures = Path.Combine(AppContext.BaseDirectory, "reliability-figures");
            Directory.CreateDirectory(figures);
            await File.AppendAllTextAsync(Path.Combine(figures, "flaky.txt"), summary + "\n", Ct);

            flaky.Fired.ShouldBeGreaterThan(proxy.RequestCount / 5, "the target really was flaky");
            deliveries.Count.ShouldBe(12);
            deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered, summary);
            foreach (var (video, rendition, files) in packages)
            {
                var source = Path.Combine(courier.SourceRoot, video, rendition);
                foreach (var file in Directory.GetFiles(source))
                {
                    var at = Path.Combine(TestEnvironment.WebDavRoot, prefix, video, rendition, Path.GetFileName(file));
                    File.ReadAllBytes(at).ShouldBe(File.ReadAllBytes(file), $"{video}/{rendition}/{Path.GetFileName(file)} at the target");
                }

                Directory.GetFiles(source).Length.ShouldBe(files);
            }
        }
        finally
        {
            if (schema is not null)
            {
                await using var connection = new Npgsql.NpgsqlConnection(TestEnvironment.PostgresConnectionString);
                await connection.OpenAsync(Ct);
                await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
                await drop.ExecuteNonQueryAsync(Ct);
            }

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
