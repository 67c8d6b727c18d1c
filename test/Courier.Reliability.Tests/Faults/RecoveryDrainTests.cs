using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Courier.Testing.Proxy;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// A target that was down comes back: its backlog is delivered within seconds, by the probe and the drain it starts, not
/// by the next scan or the end of the circuit's break.
/// </summary>
public sealed class RecoveryDrainTests
{
    private const int Videos = 30;
    private const int RenditionsPerVideo = 10;
    private const int Deliveries = Videos * RenditionsPerVideo;

    [Fact]
    public async Task A_backlog_of_300_deliveries_behind_a_target_that_was_down_is_delivered_within_seconds_of_its_return_with_30_s_scans()
    {
        var prefix = $"drain-{Guid.NewGuid():N}";
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        using var directory = new TempDirectory();
        for (var v = 0; v < Videos; v++)
        {
            for (var r = 0; r < RenditionsPerVideo; r++)
            {
                var bytes = new byte[2_000];
                new Random((v * 100) + r).NextBytes(bytes);
                Directory.CreateDirectory(directory.Combine("media", $"v{v}"));
                File.WriteAllBytes(directory.Combine("media", $"v{v}", $"r{r}.mp4"), bytes);
            }
        }

        File.WriteAllText(directory.Combine("courier.json"), JsonSerializer.Serialize(new
        {
            Courier = new
            {
                SourceRoot = "./media",
                Store = new { Provider = "sqlite", ConnectionString = "Data Source=courier.db" },
                Targets = new { cdn = new { Kind = "http", BaseUrl = new Uri(proxy.Url, prefix + "/").AbsoluteUri } },
            },
        }));
        proxy.GoDown();
        var environment = new Dictionary<string, string>
        {
            // Neither a scan nor the end of the circuit's break (30 s by default) can be what drains the backlog.
            ["Courier__Scan__Interval"] = "00:00:30",
        };
        await using var server = await CourierServer.StartAsync(directory.Path, environment);
        try
        {
            await Parallel.ForAsync(0, Videos, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (v, ct) =>
            {
                var body = JsonSerializer.Serialize(new { videoId = $"v{v}", renditions = Enumerable.Range(0, RenditionsPerVideo).Select(r => new { name = $"r{r}", path = $"v{v}/r{r}.mp4" }) });
                using var response = await server.Client.PostAsync("api/videos", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
            });
            (await DeliveredAsync(server)).Queued.ShouldBe(Deliveries, "the whole backlog waits in the failure queue");

            proxy.GoUp();
            var clock = Stopwatch.StartNew();
            TimeSpan? recovered = null;
            await Eventually.WaitAsync(
                async () =>
                {
                    if (recovered is null && server.Process.Stderr.Contains("Target cdn recovered", StringComparison.Ordinal))
                    {
                        recovered = clock.Elapsed;
                    }

                    return (await DeliveredAsync(server)).Delivered == Deliveries;
                },
                TimeSpan.FromSeconds(15),
                "the whole backlog delivered after the target came back",
                every: TimeSpan.FromMilliseconds(100));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"backlog of {Deliveries} deliveries drained {clock.Elapsed.TotalSeconds:0.0} s after the target came back " +
                $"(its recovery logged after {recovered?.TotalSeconds ?? double.NaN:0.0} s; the pushes themselves took {PushSeconds(server.Process.Stderr):0.0} s in all)");

            for (var v = 0; v < Videos; v++)
            {
                for (var r = 0; r < RenditionsPerVideo; r++)
                {
                    File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, prefix, $"v{v}", $"r{r}", $"r{r}.mp4"))
                        .ShouldBe(File.ReadAllBytes(directory.Combine("media", $"v{v}", $"r{r}.mp4")));
                }
            }
        }
        finally
        {
            try
            {
                if (Directory.Exists(Path.Combine(TestEnvironment.WebDavRoot, prefix)))
                {
                    Directory.Delete(Path.Combine(TestEnvironment.WebDavRoot, prefix), recursive: true);
                }
            }
            catch (IOException)
            {
                // A push still landing when the test failed: the tidy-up must not hide the failure's own message.
            }
        }
    }

    /// <summary>The time the pushes took by the server's own account ("Delivered … in N ms"), added up: the transfer time.</summary>
    private static double PushSeconds(string log) =>
        System.Text.RegularExpressions.Regex.Matches(log, @"Delivered \S+ to cdn: \d+ bytes in (\d+) ms")
            .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) / 1000;

    private static async Task<(int Delivered, int Queued)> DeliveredAsync(CourierServer server)
    {
        using var stats = JsonDocument.Parse(await server.Client.GetStringAsync("api/stats", Ct));
        var deliveries = stats.RootElement.GetProperty("deliveries");
        return (deliveries.GetProperty("delivered").GetInt32(), deliveries.GetProperty("queued").GetInt32());
    }
}
