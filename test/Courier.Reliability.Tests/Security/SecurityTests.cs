using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Courier.Reliability.Tests.Security;

/// <summary>
/// The API key guards every mutation; the key and the targets' secrets never show in logs, API answers, metrics, the
/// dashboard or the CLI — even when a target parrots the request headers back in its error pages; the default bind is
/// loopback only.
/// </summary>
public sealed class SecurityTests
{
    private const string ApiKey = "api-key-SECRET-7f3a9c1e5d2b4a60";
    private const string CdnToken = "Bearer cdn-token-SECRET-0b8e4d2a9f17";
    private const string InlineSecret = "inline-header-SECRET-5c2f81d0e3";

    private static StringContent SubmitBody(string videoId) =>
        new(JsonSerializer.Serialize(new { videoId, renditions = new[] { new { name = "360p", path = "v/360p.mp4" } } }), Encoding.UTF8, "application/json");

    private static TempDirectory Workspace(object targets)
    {
        var directory = new TempDirectory();
        Directory.CreateDirectory(directory.Combine("media", "v"));
        var bytes = new byte[200_000];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(directory.Combine("media", "v", "360p.mp4"), bytes);
        File.WriteAllText(directory.Combine("courier.json"), JsonSerializer.Serialize(new
        {
            Courier = new
            {
                SourceRoot = "./media",
                Store = new { Provider = "sqlite", ConnectionString = "Data Source=courier.db" },
                Targets = targets,
            },
        }));
        return directory;
    }

    [Fact]
    public async Task Every_mutation_without_the_right_key_is_401_and_changes_nothing()
    {
        using var directory = Workspace(new { archive = new { Kind = "filesystem", Root = "./targets/archive" } });
        await using var server = await CourierServer.StartAsync(directory.Path, new Dictionary<string, string> { ["Courier__Api__ApiKey"] = ApiKey });
        var client = server.Client;

        // A real delivery, so the retry calls name one that exists.
        using var seeded = new HttpRequestMessage(HttpMethod.Post, "api/videos") { Content = SubmitBody("seeded") };
        seeded.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using (var ok = await client.SendAsync(seeded, Ct))
        {
            ok.StatusCode.ShouldBe(HttpStatusCode.OK, await ok.Content.ReadAsStringAsync(Ct));
        }

        using var report = JsonDocument.Parse(await client.GetStringAsync("api/videos/seeded", Ct));
        var deliveryId = report.RootElement.GetProperty("deliveries")[0].GetProperty("id").GetString();
        var before = await client.GetStringAsync("api/videos", Ct);

        var mutations = new (HttpMethod Method, string Path, Func<HttpContent?> Body)[]
        {
            (HttpMethod.Post, "api/videos", () => SubmitBody("intruder")),
            (HttpMethod.Post, $"api/deliveries/{deliveryId}/retry", () => null),
            (HttpMethod.Post, "api/deliveries/retry", () => new StringContent("{\"target\":\"archive\"}", Encoding.UTF8, "application/json")),
        };
        var wrongKeys = new AuthenticationHeaderValue?[]
        {
            null,
            new("Bearer", "wrong-key-wrong-key-wrong"),
            new("Bearer", ApiKey[..^1]),
            new("Bearer", ApiKey + "x"),
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("courier:" + ApiKey))),
            new("Bearer", ""),
        };
        var tried = 0;
        foreach (var (method, path, body) in mutations)
        {
            foreach (var key in wrongKeys)
            {
                using var request = new HttpRequestMessage(method, path) { Content = body() };
                request.Headers.Authorization = key;
                using var response = await client.SendAsync(request, Ct);
                response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{method} {path} with {key?.Scheme ?? "no"} key");
                (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain(ApiKey);
                tried++;
            }
        }

        tried.ShouldBe(18);
        (await client.GetStringAsync("api/videos", Ct)).ShouldBe(before, "nothing changed");
        Directory.Exists(directory.Combine("targets", "archive", "intruder")).ShouldBeFalse();
        using var read = await client.GetAsync("api/videos/seeded", Ct);
        read.StatusCode.ShouldBe(HttpStatusCode.OK, "reads stay open");
    }

    [Fact]
    public async Task The_api_key_and_target_secrets_never_appear_in_logs_answers_metrics_dashboard_or_cli()
    {
        await using var proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.WebDavUrl);
        var prefix = $"secrets-{Guid.NewGuid():N}";
        // cdn: two refusals whose error pages repeat the request headers, then success; cdn2: refused for good, parroting.
        proxy.Add(FaultRule.For(Fault.Status(503, retryAfterSeconds: 1, echoRequest: true)).OnMethod("PUT").OnPath($"/{prefix}/cdn/").Times(2));
        proxy.Add(FaultRule.For(Fault.Status(401, echoRequest: true)).OnPath($"/{prefix}/cdn2/"));
        using var directory = Workspace(new Dictionary<string, object>
        {
            ["cdn"] = new { Kind = "http", BaseUrl = new Uri(proxy.Url, $"{prefix}/cdn/").AbsoluteUri, HeaderEnv = new { Authorization = "CDN_TOKEN" } },
            ["cdn2"] = new { Kind = "http", BaseUrl = new Uri(proxy.Url, $"{prefix}/cdn2/").AbsoluteUri, Headers = new Dictionary<string, string> { ["X-Cdn-Key"] = InlineSecret } },
        });
        var environment = new Dictionary<string, string>
        {
            ["Courier__Api__ApiKey"] = ApiKey,
            ["CDN_TOKEN"] = CdnToken,
            ["Courier__Scan__Interval"] = "00:00:01",
            ["Courier__Retry__FirstDelay"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Trace",
        };
        var outputs = new Dictionary<string, string>();
        var server = await CourierServer.StartAsync(directory.Path, environment);
        try
        {
            var client = server.Client;
            using var submit = new HttpRequestMessage(HttpMethod.Post, "api/videos") { Content = SubmitBody("v") };
            submit.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            using (var submitted = await client.SendAsync(submit, Ct))
            {
                outputs["POST /api/videos"] = await submitted.Content.ReadAsStringAsync(Ct);
            }

            using var unauthorized = new HttpRequestMessage(HttpMethod.Post, "api/videos") { Content = SubmitBody("v") };
            unauthorized.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey + "-wrong");
            using (var refused = await client.SendAsync(unauthorized, Ct))
            {
                outputs["POST /api/videos (wrong key)"] = await refused.Content.ReadAsStringAsync(Ct);
            }

            var settled = await Eventually.WaitForAsync(
                () => client.GetStringAsync("api/videos/v", Ct),
                json => json.Contains("\"delivered\"", StringComparison.Ordinal) && json.Contains("\"dead\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                "cdn delivered after its refusals, cdn2 dead");
            outputs["GET /api/videos/v"] = settled;
            using (var report = JsonDocument.Parse(settled))
            {
                foreach (var delivery in report.RootElement.GetProperty("deliveries").EnumerateArray())
                {
                    var id = delivery.GetProperty("id").GetString();
                    outputs[$"GET /api/deliveries/{id}"] = await ReadAsync(client, $"api/deliveries/{id}");
                }
            }

            foreach (var path in new[] { "api/videos", "api/queue", "api/queue?state=dead", "api/queue?state=queued", "api/queue/groups", "api/stats", "api/stats/series", "api/webhooks", "metrics", "healthz", "", "dashboard.js", "dashboard.css" })
            {
                outputs[$"GET /{path}"] = await ReadAsync(client, path);
            }

            outputs["GET /metrics"].ShouldContain("courier", Case.Insensitive, "the metrics are really there");
            foreach (var arguments in new[] { new[] { "status", "v", "--json" }, ["status", "v"], ["queue", "--state", "dead"], ["queue", "--json"], ["stats", "--json"], ["stats"] })
            {
                var cli = await CourierProcess.RunAsync(directory.Path, arguments, environment, TimeSpan.FromSeconds(60));
                outputs[$"courier {string.Join(' ', arguments)}"] = cli.Stdout + cli.Stderr;
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        outputs["serve log (stdout and stderr)"] = server.Process.Stdout + server.Process.Stderr;
        outputs["serve log (stdout and stderr)"].ShouldContain("cdn2", Case.Insensitive, "the log really reports the failures");

        // The secrets really went out (to the target, where they belong), and came back in its error pages.
        proxy.Exchanges.ShouldContain(e => e.Headers.Any(h => h.Key == "Authorization" && h.Value == CdnToken));
        proxy.Exchanges.ShouldContain(e => e.Headers.Any(h => h.Key == "X-Cdn-Key" && h.Value == InlineSecret));
        foreach (var (source, text) in outputs)
        {
            foreach (var secret in new[] { ApiKey, CdnToken, "cdn-token-SECRET", InlineSecret })
            {
                text.ShouldNotContain(secret, Case.Insensitive, $"{source} shows a secret");
            }
        }
    }

    [Fact]
    public async Task By_default_the_server_listens_on_loopback_only()
    {
        const int DefaultPort = 5080;
        using var directory = Workspace(new { archive = new { Kind = "filesystem", Root = "./targets/archive" } });
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().ShouldNotContain(e => e.Port == DefaultPort, $"port {DefaultPort} must be free for this test");

        await using var server = await CourierServer.StartAsync(directory.Path, [], new Uri($"http://127.0.0.1:{DefaultPort}/"));

        var listeners = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(e => e.Port == DefaultPort).ToList();
        listeners.ShouldNotBeEmpty();
        listeners.ShouldAllBe(e => IPAddress.IsLoopback(e.Address), string.Join(", ", listeners));
        var outside = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (outside is not null)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = await Should.ThrowAsync<SocketException>(() => socket.ConnectAsync(new IPEndPoint(outside, DefaultPort), Ct).AsTask());
            refused.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused, $"{outside}:{DefaultPort} must not answer");
        }
    }

    private static async Task<string> ReadAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return $"{(int)response.StatusCode} {response.Headers} {response.Content.Headers}\n{await response.Content.ReadAsStringAsync(Ct)}";
    }
}
