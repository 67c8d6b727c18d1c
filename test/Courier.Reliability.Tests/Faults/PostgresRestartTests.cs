using System.Net;
using System.Text;
using System.Text.Json;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// PostgreSQL restarted (stopped at once, as a crash or a failover does, then started again) under a running
/// <c>courier serve</c> while it drains a backlog: nothing is lost, nothing stays <c>in_flight</c>, the server lives on and
/// its health recovers. The cluster is the test's own: the shared test PostgreSQL must never be restarted.
/// </summary>
public sealed class PostgresRestartTests
{
    private const int Videos = 20;
    private const int RenditionsPerVideo = 10;
    private const int Deliveries = Videos * RenditionsPerVideo;

    [Fact]
    public async Task PostgreSQL_restarted_under_a_running_serve_mid_drain_loses_nothing_and_serve_recovers()
    {
        var prefix = $"pg-restart-{Guid.NewGuid():N}";
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        using var directory = new TempDirectory();
        for (var v = 0; v < Videos; v++)
        {
            Directory.CreateDirectory(directory.Combine("media", $"v{v}"));
            for (var r = 0; r < RenditionsPerVideo; r++)
            {
                var bytes = new byte[20_000];
                new Random((v * 100) + r).NextBytes(bytes);
                File.WriteAllBytes(directory.Combine("media", $"v{v}", $"r{r}.mp4"), bytes);
            }
        }

        File.WriteAllText(directory.Combine("courier.json"), JsonSerializer.Serialize(new
        {
            Courier = new
            {
                SourceRoot = "./media",
                Store = new { Provider = "postgres", ConnectionString = postgres.ConnectionString },
                Targets = new { cdn = new { Kind = "http", BaseUrl = new Uri(proxy.Url, prefix + "/").AbsoluteUri } },
            },
        }));

        // The target is down while everything is submitted: the whole batch waits in the failure queue, and its drain is
        // the work in flight when the database goes away.
        proxy.GoDown();
        await using var server = await CourierServer.StartAsync(directory.Path, new Dictionary<string, string>
        {
            ["Courier__Scan__Interval"] = "00:00:01",
            // A claim whose answer the restart cut off is handed back after this (a minute by default).
            ["Courier__Scan__LeaseTimeout"] = "00:00:05",
        });
        try
        {
            await Parallel.ForAsync(0, Videos, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (v, ct) =>
            {
                var body = JsonSerializer.Serialize(new { videoId = $"v{v}", renditions = Enumerable.Range(0, RenditionsPerVideo).Select(r => new { name = $"r{r}", path = $"v{v}/r{r}.mp4" }) });
                using var response = await server.Client.PostAsync("api/videos", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
            });
            (await CountsAsync(server)).Queued.ShouldBe(Deliveries);

            proxy.GoUp();
            await Eventually.WaitAsync(
                async () => (await CountsAsync(server)).Delivered > 0,
                TimeSpan.FromSeconds(30),
                "the drain started",
                every: TimeSpan.FromMilliseconds(20));
            await postgres.StopImmediatelyAsync();
            var whileDown = await CountsOrNullAsync(server);
            // The outage lasts until serve has felt it (its health check fails on the store), as a failover does; pushes go
            // on meanwhile and their outcomes wait.
            await HealthAnswersAsync(server, HttpStatusCode.ServiceUnavailable, "/healthz answers 503 while PostgreSQL is down");
            await postgres.StartAgainAsync();

            var counts = await Eventually.WaitAsync(
                () => CountsOrNullAsync(server),
                c => c is { Delivered: Deliveries },
                "every delivery delivered after PostgreSQL came back",
                TimeSpan.FromSeconds(90),
                TimeSpan.FromMilliseconds(200),
                () => $"serve: {Tail(Unusual(server.Process.Stderr + server.Process.Stdout))}\npostgres: {Tail(postgres.Log)}");
            var log = server.Process.Stderr + server.Process.Stdout;
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"stats while PostgreSQL was down: {whileDown?.ToString() ?? "(no answer)"}; after: {counts}; " +
                $"store writes retried: {Lines(log, "Could not write")}, claims handed back: {Lines(log, "claimed but lost track of")}");
            counts!.InFlight.ShouldBe(0);
            counts.Queued.ShouldBe(0);
            counts.Dead.ShouldBe(0);
            server.Process.HasExited.ShouldBeFalse("courier serve lives through the database's restart");
            await HealthAnswersAsync(server, HttpStatusCode.OK, "/healthz answers 200 again");

            for (var v = 0; v < Videos; v++)
            {
                for (var r = 0; r < RenditionsPerVideo; r++)
                {
                    File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, prefix, $"v{v}", $"r{r}", $"r{r}.mp4"))
                        .ShouldBe(File.ReadAllBytes(directory.Combine("media", $"v{v}", $"r{r}.mp4")), $"v{v}/r{r} at the target");
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

    /// <summary>Waits (up to 30 s) until serve's <c>/healthz</c> answers <paramref name="status"/>.</summary>
    private static Task HealthAnswersAsync(CourierServer server, HttpStatusCode status, string what) =>
        Eventually.WaitAsync(
            async () =>
            {
                using var health = await server.Client.GetAsync("healthz", Ct);
                return health.StatusCode == status;
            },
            TimeSpan.FromSeconds(30),
            what);

    private static async Task<Counts> CountsAsync(CourierServer server)
    {
        using var stats = JsonDocument.Parse(await server.Client.GetStringAsync("api/stats", Ct));
        var d = stats.RootElement.GetProperty("deliveries");
        return new Counts(d.GetProperty("delivered").GetInt32(), d.GetProperty("in_flight").GetInt32(), d.GetProperty("queued").GetInt32(), d.GetProperty("dead").GetInt32());
    }

    /// <summary>The counts, or null while the server cannot read them (the database is away).</summary>
    private static async Task<Counts?> CountsOrNullAsync(CourierServer server)
    {
        try
        {
            return await CountsAsync(server);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The server's output without the routine lines (one per delivery), for failure messages.</summary>
    private static string Unusual(string output) =>
        string.Join('\n', output.Split('\n').Where(line => !line.Contains(": info: Delivered ", StringComparison.Ordinal)));

    private static int Lines(string log, string text) => log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private static string Tail(string text) => text.Length > 12000 ? text[^12000..] : text;

    private sealed record Counts(int Delivered, int InFlight, int Queued, int Dead);
}
