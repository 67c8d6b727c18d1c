using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>The asynchronous path end to end: what the synchronous push could not deliver, `courier serve` delivers later.</summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Target_that_is_down_queues_with_exit_3_and_serve_delivers_when_it_comes_back()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("down");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Retry__FirstDelay"] = "00:00:01";
        var source = sandbox.WriteMedia("movie-42/360p.mp4", 2_000_000);
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-north"] = Sandbox.Http($"http://127.0.0.1:{ClosedPort()}/{prefix}/", "north"),
        });

        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4");

        distribute.ExitCode.ShouldBe(3, distribute.ToString());
        distribute.Stdout.ShouldContain("movie-42 v1: 1 delivered, 1 queued, 0 dead");
        var queue = await sandbox.RunAsync("queue", "--json");
        queue.ExitCode.ShouldBe(0, queue.ToString());
        var page = JsonDocument.Parse(queue.Stdout).RootElement;
        page.GetProperty("total").GetInt32().ShouldBe(1);
        var item = page.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("target").GetString().ShouldBe("cdn-north");
        item.GetProperty("rendition").GetString().ShouldBe("360p");
        item.GetProperty("state").GetString().ShouldBe("queued");
        item.GetProperty("attempts").GetInt32().ShouldBe(1);
        item.GetProperty("lastError").GetString().ShouldNotBeNullOrWhiteSpace();
        item.GetProperty("nextAttemptAt").ValueKind.ShouldBe(JsonValueKind.String);

        // The target comes back: the same name, now at nginx.
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-north"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString(), "north"),
        });
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-42")).GetProperty("state").GetString() == "distributed",
            Bound,
            "the scanner of `courier serve` to deliver the queued delivery",
            () => serve.Stderr);

        Files.ShouldBeIdentical(Path.Combine(atNginx, "movie-42/360p/360p.mp4"), source);
        var delivered = (await sandbox.StatusAsync("movie-42")).GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("target").GetString() == "cdn-north");
        delivered.GetProperty("attempts").GetInt32().ShouldBe(2);

        await serve.SignalAsync("TERM");
        var stopped = await serve.WaitAsync(TimeSpan.FromSeconds(30));
        stopped.ExitCode.ShouldBe(0, stopped.ToString());
        stopped.Stderr.ShouldNotContain("Exception");
        stopped.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Distribute_beside_a_serve_that_found_the_target_down_queues_at_once_without_an_attempt_and_exits_3()
    {
        using var sandbox = new Sandbox("shared-circuit");
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Retry__FirstDelay"] = "00:00:01";
        sandbox.Environment["Courier__Circuit__FailureThreshold"] = "2";
        sandbox.WriteMedia("v0/360p.mp4", 20_000);
        sandbox.WriteMedia("v1/360p.mp4", 20_000);
        sandbox.WriteMedia("movie-9/360p.mp4", 20_000);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn-north"] = Sandbox.Http($"http://127.0.0.1:{ClosedPort()}/", "north") });
        foreach (var video in new[] { "v0", "v1" })
        {
            (await sandbox.RunAsync("distribute", "--video", video, "--rendition", $"360p={video}/360p.mp4")).ExitCode.ShouldBe(3);
        }

        // serve retries them, fails, and marks the target down: what it learnt is in the store.
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitForAsync(() => serve.Stderr.Contains("Target cdn-north marked down", StringComparison.Ordinal), Bound, "serve marks cdn-north down");

        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-9", "--rendition", "360p=movie-9/360p.mp4");

        distribute.ExitCode.ShouldBe(3, distribute.ToString());
        distribute.Stdout.ShouldContain("movie-9 v1: 0 delivered, 1 queued, 0 dead");
        var delivery = (await sandbox.StatusAsync("movie-9")).GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(0, "a target known down costs no attempt");
        delivery.GetProperty("errorKind").GetString().ShouldBe("target_down");
        delivery.GetProperty("lastError").GetString()!.ShouldContain("found it down");
    }

    [Fact]
    public async Task Distribute_killed_mid_upload_is_taken_over_by_serve_and_delivered_whole()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("kill9");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        var source = sandbox.WriteMedia("big/1080p.mp4", 300L * 1024 * 1024);
        await using var proxy = new CountingProxy(webdav);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http($"http://127.0.0.1:{proxy.Port}/{prefix}/") });

        proxy.HoldAfter(16 * 1024 * 1024);
        await using (var distribute = sandbox.Start("distribute", "--video", "big", "--rendition", "1080p=big/1080p.mp4"))
        {
            await WhenFlowingAsync(proxy, distribute);
            await distribute.SignalAsync("KILL");
            var killed = await distribute.WaitAsync(TimeSpan.FromSeconds(30));
            killed.ExitCode.ShouldBe(137, killed.ToString());
        }

        proxy.Release();
        var orphan = (await sandbox.StatusAsync("big")).GetProperty("deliveries").EnumerateArray().Single();
        orphan.GetProperty("state").GetString().ShouldBe("in_flight");
        Files.List(atNginx).ShouldBeEmpty("nothing half-written is visible at the target");

        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Scan__LeaseTimeout"] = "00:00:02";
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("big")).GetProperty("state").GetString() == "distributed",
            TimeSpan.FromSeconds(90),
            "serve to take the orphaned delivery over and deliver it",
            () => serve.Stderr);

        Files.ShouldBeIdentical(Path.Combine(atNginx, "big/1080p/1080p.mp4"), source);
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Sigterm_during_distribute_releases_the_work_to_the_queue_unattempted_with_exit_3()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("sigterm");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        sandbox.WriteMedia("big/1080p.mp4", 64L * 1024 * 1024);
        await using var proxy = new CountingProxy(webdav);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http($"http://127.0.0.1:{proxy.Port}/{prefix}/") });

        CourierResult interrupted;
        proxy.HoldAfter(16 * 1024 * 1024);
        await using (var distribute = sandbox.Start("distribute", "--video", "big", "--rendition", "1080p=big/1080p.mp4"))
        {
            await WhenFlowingAsync(proxy, distribute);
            await distribute.SignalAsync("TERM");
            interrupted = await distribute.WaitAsync(TimeSpan.FromSeconds(30));
        }

        interrupted.ExitCode.ShouldBe(3, interrupted.ToString());
        interrupted.Stderr.ShouldContain("released to the queue");
        interrupted.Stderr.ShouldNotContain("   at ");
        var delivery = (await sandbox.StatusAsync("big")).GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(0, "shutdown is not a failed attempt");
    }

    [Fact]
    public async Task Sigterm_to_serve_mid_upload_releases_the_delivery_unattempted_and_exits_0()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("serveterm");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        sandbox.WriteMedia("big/1080p.mp4", 64L * 1024 * 1024);
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Retry__FirstDelay"] = "00:00:01";
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http($"http://127.0.0.1:{ClosedPort()}/{prefix}/") });
        (await sandbox.RunAsync("distribute", "--video", "big", "--rendition", "1080p=big/1080p.mp4")).ExitCode.ShouldBe(3);

        await using var proxy = new CountingProxy(webdav);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http($"http://127.0.0.1:{proxy.Port}/{prefix}/") });
        proxy.HoldAfter(16 * 1024 * 1024);
        CourierResult stopped;
        await using (var serve = sandbox.Start("serve"))
        {
            await WhenFlowingAsync(proxy, serve);
            await serve.SignalAsync("TERM");
            stopped = await serve.WaitAsync(TimeSpan.FromSeconds(30));
        }

        stopped.ExitCode.ShouldBe(0, stopped.ToString());
        stopped.Stderr.ShouldContain("in-flight deliveries released to the queue");
        stopped.Stderr.ShouldNotContain("   at ");
        var delivery = (await sandbox.StatusAsync("big")).GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1, "only the synchronous attempt counts: shutdown is not a failed attempt");
        var stats = JsonDocument.Parse((await sandbox.RunAsync("stats", "--json")).Stdout).RootElement;
        stats.GetProperty("async").GetProperty("attempts").GetInt32().ShouldBe(0);
        Files.List(atNginx).ShouldBeEmpty("nothing half-written is visible at the target");
    }

    /// <summary>Waits until the upload is under way (the proxy holds it there), or fails if courier ended first.</summary>
    private static async Task WhenFlowingAsync(CountingProxy proxy, CourierProcess distribute)
    {
        await Eventually.WaitAsync(() => Task.FromResult(proxy.Reached.IsCompleted || distribute.HasExited), Bound, "bytes to flow to the target", () => distribute.Stderr);
        distribute.HasExited.ShouldBeFalse($"courier ended before the upload was under way:\n{distribute.Stdout}\n{distribute.Stderr}");
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
