using System.Net;
using System.Net.Http.Headers;
using Courier.Core.Distribution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Server.Tests;

public sealed class AuthAndHealthTests
{
    private const string Key = CourierHost.ApiKey;

    [Fact]
    public async Task Mutations_need_the_api_key_when_one_is_set_and_reads_stay_open()
    {
        await using var host = CourierHost.CreateWithApiKey();
        host.WriteSource("k/360p.mp4");
        using var client = host.CreateClient();
        var body = new { videoId = "k", renditions = new[] { new { name = "360p", path = "k/360p.mp4" } } };

        using var none = await client.PostAsync("/api/videos", Json.Body(body), Ct);
        using var wrong = await Send(client, "/api/videos", Json.Body(body), "Bearer not-the-key");
        using var basic = await Send(client, "/api/videos", Json.Body(body), "Basic " + Convert.ToBase64String("a:b"u8.ToArray()));
        using var retryOne = await client.PostAsync($"/api/deliveries/{Guid.NewGuid()}/retry", null, Ct);
        using var retryMany = await client.PostAsync("/api/deliveries/retry", Json.Body(new { }), Ct);
        using var read = await client.GetAsync("/api/queue", Ct);
        using var stats = await client.GetAsync("/api/stats", Ct);

        foreach (var refused in new[] { none, wrong, basic, retryOne, retryMany })
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            refused.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldNotContain(Key);
        }

        (await Json.ReadAsync(await client.GetAsync("/api/videos", Ct))).GetProperty("videos").GetArrayLength().ShouldBe(0);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        stats.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var right = await Send(client, "/api/videos", Json.Body(body), "Bearer " + Key);
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var unknownWithKey = await Send(client, $"/api/deliveries/{Guid.NewGuid()}/retry", null, "Bearer " + Key);
        unknownWithKey.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_short_api_key_or_a_webhook_without_secret_is_refused_at_start()
    {
        await using var shortKey = CourierHost.Create(settings: new Dictionary<string, string?> { ["Api:ApiKey"] = "short" });
        await using var noSecret = CourierHost.Create(settings: new Dictionary<string, string?> { ["Webhooks:0:Url"] = "http://127.0.0.1:9/hook" });

        var e1 = Should.Throw<Core.Domain.BadInputException>(() => CourierServer.Build(shortKey.LoadConfiguration()));
        var e2 = Should.Throw<Core.Domain.BadInputException>(() => CourierServer.Build(noSecret.LoadConfiguration()));

        e1.Message.ShouldContain("Courier:Api:ApiKey");
        e1.Message.ShouldNotContain("short");
        e2.Field.ShouldBe("Courier:Webhooks:0:Secret");
    }

    [Fact]
    public async Task Healthz_is_200_when_the_store_answers_and_the_scanner_scans()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        var health = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/healthz")),
            h => h.GetProperty("scanner").GetProperty("lastScanAt").ValueKind == System.Text.Json.JsonValueKind.String,
            "a first scan");

        health.GetProperty("status").GetString().ShouldBe("ok");
        health.GetProperty("store").GetString().ShouldBe("ok");
        health.GetProperty("scanner").GetProperty("alive").GetBoolean().ShouldBeTrue();
        using var response = await client.GetAsync("/healthz", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Healthz_names_a_target_whose_deliveries_this_node_cannot_push_because_it_lacks_it()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();
        var store = host.Provider.GetRequiredService<Core.Storage.IDeliveryStore>();
        var now = DateTimeOffset.UtcNow;
        var rendition = new Core.Storage.NewRendition("360p", "v/360p.mp4", Core.Domain.RenditionKind.File, "fingerprint", 10, 1);
        await store.SubmitAsync(new Core.Storage.NewVideoVersion("elsewhere-video", "video-fingerprint", [rendition], ["elsewhere"]), "node-with-elsewhere", now, Ct);
        await store.ReleaseNodeAsync("node-with-elsewhere", now, Ct);

        await host.Provider.GetRequiredService<RetryScanner>().RunOnceAsync(Ct);
        using var response = await client.GetAsync("/healthz", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, "the deliveries wait, nothing is lost");
        var body = await Json.ReadAsync(response);
        body.GetProperty("status").GetString().ShouldBe("degraded");
        var unknown = body.GetProperty("unknownTargets").EnumerateArray().ShouldHaveSingleItem();
        unknown.GetProperty("target").GetString().ShouldBe("elsewhere");
        unknown.GetProperty("message").GetString().ShouldBe("no node here has target elsewhere: its deliveries wait in the queue for a node that has it");
        var delivery = (await store.GetVideoAsync("elsewhere-video", Ct))!.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(Core.Domain.DeliveryState.Queued);
    }

    [Fact]
    public async Task Healthz_is_503_when_the_scanner_has_not_scanned_for_three_intervals()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = CourierHost.Create(services: services =>
        {
            services.AddSingleton<TimeProvider>(time);
            // A scanner that is stuck: its hosted loop never runs.
            var scanner = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(RetryScannerService));
            services.Remove(scanner);
        });
        using var client = host.CreateClient();

        using var fresh = await client.GetAsync("/healthz", Ct);
        time.Advance(TimeSpan.FromSeconds(7));
        using var stale = await client.GetAsync("/healthz", Ct);

        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        stale.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var body = await Json.ReadAsync(stale);
        body.GetProperty("status").GetString().ShouldBe("unhealthy");
        body.GetProperty("store").GetString().ShouldBe("ok");
        body.GetProperty("scanner").GetProperty("alive").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Dashboard_is_served_by_courier_itself_with_nothing_from_elsewhere()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        using var page = await client.GetAsync("/", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        var script = await client.GetStringAsync("/dashboard.js", Ct);
        var css = await client.GetStringAsync("/dashboard.css", Ct);

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("default-src 'none'");
        html.ShouldContain("<script src=\"/dashboard.js\">");
        foreach (var text in new[] { html, script, css })
        {
            var external = System.Text.RegularExpressions.Regex.Matches(text, "https?://[^\"' )]+").Select(m => m.Value).Where(u => u != "http://www.w3.org/2000/svg");
            external.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task Unknown_routes_are_404()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/api/nothing-here", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, HttpContent? content, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return client.SendAsync(request);
    }
}

public sealed class StoreFailureTests
{
    [Fact]
    public async Task When_the_store_is_unreadable_healthz_is_503_and_errors_are_500_problem_details_without_internals()
    {
        await using var host = CourierHost.Create();
        var database = Path.Combine(host.Root, "courier.db");
        using var client = host.CreateClient();
        using var before = await client.GetAsync("/api/stats", Ct);
        before.StatusCode.ShouldBe(HttpStatusCode.OK);

        // The database file is replaced by something that is not a database (a disk or operator mishap).
        foreach (var file in Directory.GetFiles(host.Root, "courier.db*"))
        {
            File.Delete(file);
        }

        await File.WriteAllTextAsync(database, new string('x', 8192), Ct);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var health = await client.GetAsync("/healthz", Ct);
        using var stats = await client.GetAsync("/api/stats", Ct);

        health.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await Json.ReadAsync(health)).GetProperty("store").GetString().ShouldBe("unreachable");
        stats.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        stats.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var body = await stats.Content.ReadAsStringAsync(Ct);
        body.ShouldContain("\"status\":500");
        body.ShouldNotContain(" at ");
        body.ShouldNotContain("Sqlite", Case.Insensitive);
        body.ShouldNotContain(database);
    }
}
