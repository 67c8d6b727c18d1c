using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Courier.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Tests;

public sealed class WebhookTests
{
    private const string Secret = "webhook-secret-for-tests";

    [Fact]
    public async Task An_event_reaches_a_webhook_that_was_down_at_first_and_its_signature_is_valid()
    {
        var port = CourierHost.FreePort();
        await using var host = CourierHost.Create(settings: new Dictionary<string, string?>
        {
            ["Webhooks:0:Name"] = "media-system",
            ["Webhooks:0:Url"] = $"http://127.0.0.1:{port}/hooks/courier",
            ["Webhooks:0:Secret"] = Secret,
            ["Webhooks:0:Events:0"] = "video.distributed",
            ["Notify:PollInterval"] = "00:00:00.100",
            ["Notify:FirstRetryDelay"] = "00:00:00.200",
            ["Notify:MaxRetryDelay"] = "00:00:00.500",
        });
        var bytes = host.WriteSource("hooked/360p.mp4");
        using var client = host.CreateClient();
        await Eventually.WaitAsync(() => HasRunAsync(client), r => r, "the outbox to be read once");

        using var submit = await client.PostAsync("/api/videos", Json.Body(new { videoId = "hooked", renditions = new[] { new { name = "360p", path = "hooked/360p.mp4" } } }), Ct);
        submit.StatusCode.ShouldBe(HttpStatusCode.OK);

        // The receiver is down: the call fails and is retried, and the failure shows.
        var failing = await Eventually.WaitAsync(
            async () => (await Json.ReadAsync(await client.GetAsync("/api/webhooks"))).GetProperty("webhooks")[0],
            w => w.GetProperty("attempts").GetInt32() >= 3,
            "the webhook to fail three times");
        failing.GetProperty("name").GetString().ShouldBe("webhook:media-system");
        failing.GetProperty("lastError").GetString().ShouldNotBeNullOrEmpty();
        failing.GetProperty("stuck").GetBoolean().ShouldBeTrue();
        (await Json.ReadAsync(await client.GetAsync("/healthz", Ct))).GetProperty("status").GetString().ShouldBe("degraded");

        // The receiver comes up: the event arrives, signed.
        var received = new ConcurrentQueue<(string? Signature, string? Event, byte[] Body)>();
        await using var receiver = await StartReceiverAsync(port, received);
        await Eventually.WaitAsync(() => Task.FromResult(received.Count), c => c >= 1, "the event to reach the receiver");

        var (signature, eventType, body) = received.First();
        eventType.ShouldBe("video.distributed");
        signature.ShouldNotBeNull();
        signature.ShouldStartWith("sha256=");
        WebhookSignature.Verify(Secret, body, signature).ShouldBeTrue();
        signature.ShouldBe("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret), body)));
        WebhookSignature.Verify("another-secret", body, signature).ShouldBeFalse();
        var payload = JsonDocument.Parse(body).RootElement;
        payload.GetProperty("type").GetString().ShouldBe("video.distributed");
        payload.GetProperty("videoId").GetString().ShouldBe("hooked");
        var video = payload.GetProperty("video");
        video.GetProperty("state").GetString().ShouldBe("distributed");
        video.GetProperty("deliveries").GetArrayLength().ShouldBe(2);
        bytes.Length.ShouldBe(64 * 1024);
        video.GetProperty("deliveries").EnumerateArray().ShouldAllBe(d => d.GetProperty("bytes").GetInt64() == 64 * 1024);

        var recovered = await Eventually.WaitAsync(
            async () => (await Json.ReadAsync(await client.GetAsync("/api/webhooks"))).GetProperty("webhooks")[0],
            w => w.GetProperty("attempts").GetInt32() == 0,
            "the webhook to be caught up");
        recovered.GetProperty("position").GetInt64().ShouldBe(payload.GetProperty("id").GetInt64());
        recovered.GetProperty("stuck").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task A_dead_delivery_is_notified_as_delivery_dead_and_video_failed()
    {
        var port = CourierHost.FreePort();
        var received = new ConcurrentQueue<(string? Signature, string? Event, byte[] Body)>();
        await using var receiver = await StartReceiverAsync(port, received);
        await using var host = CourierHost.Create(withDownTarget: true, settings: new Dictionary<string, string?>
        {
            ["Webhooks:0:Url"] = $"http://127.0.0.1:{port}/hook",
            ["Webhooks:0:Secret"] = Secret,
            ["Notify:PollInterval"] = "00:00:00.100",
            ["Retry:MaxAttempts"] = "1",
        });
        host.WriteSource("gone/360p.mp4");
        using var client = host.CreateClient();
        await Eventually.WaitAsync(() => HasRunAsync(client), r => r, "the outbox to be read once");

        using var submit = await client.PostAsync("/api/videos", Json.Body(new { videoId = "gone", renditions = new[] { new { name = "360p", path = "gone/360p.mp4" } }, targets = new[] { host.TargetDown } }), Ct);
        submit.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await Eventually.WaitAsync(() => Task.FromResult(received.Count), c => c >= 2, "two events");
        var events = received.Select(r => (r.Event, Body: JsonDocument.Parse(r.Body).RootElement, r.Signature, Raw: r.Body)).ToList();
        events.Select(e => e.Event).ShouldBe(["delivery.dead", "video.failed"], ignoreOrder: true);
        events.ShouldAllBe(e => WebhookSignature.Verify(Secret, e.Raw, e.Signature));
        var dead = events.Single(e => e.Event == "delivery.dead").Body;
        dead.GetProperty("delivery").GetProperty("target").GetString().ShouldBe(host.TargetDown);
        dead.GetProperty("delivery").GetProperty("state").GetString().ShouldBe("dead");
        events.Single(e => e.Event == "video.failed").Body.GetProperty("video").GetProperty("state").GetString().ShouldBe("failed");
    }

    private static async Task<bool> HasRunAsync(HttpClient client)
    {
        var health = await client.GetStringAsync("/healthz");
        return health.Contains("\"outbox\":{\"lastRunAt\":\"", StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartReceiverAsync(int port, ConcurrentQueue<(string? Signature, string? Event, byte[] Body)> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            received.Enqueue((request.Headers[WebhookSignature.Header].ToString(), request.Headers["Courier-Event"].ToString(), buffer.ToArray()));
            return Results.NoContent();
        });
        await app.StartAsync();
        return app;
    }
}
