using System.Net;

namespace Courier.Server.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_after_a_distribution_count_attempts_bytes_durations_and_show_the_queue_gauges()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: new Dictionary<string, string?>
        {
            ["Api:MetricsRefreshInterval"] = "00:00:00.200",
            ["Notify:PollInterval"] = "00:00:00.100",
        });
        var bytes = host.WriteSource("met/360p.mp4", 12_345);
        using var client = host.CreateClient();
        await Eventually.WaitAsync(async () => await client.GetStringAsync("/healthz"), h => h.Contains("\"lastScanAt\":\"", StringComparison.Ordinal), "the first scan");

        using var submit = await client.PostAsync("/api/videos", Json.Body(new
        {
            videoId = "met",
            renditions = new[] { new { name = "360p", path = "met/360p.mp4" } },
            targets = new[] { host.TargetA, host.TargetB, host.TargetDown },
        }), Ct);
        submit.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var samples = await Eventually.WaitAsync(
            async () => Prometheus.Parse(await client.GetStringAsync("/metrics")),
            s => s.Any(x => x.Name == "courier_queue_depth" && x["target"] == host.TargetDown && x.Value == 1)
                && s.Any(x => x.Name == "courier_deliveries" && x["target"] == host.TargetB && x["state"] == "delivered" && x.Value == 1),
            "the gauges to show a snapshot taken after the submission");

        double Sum(string name, params (string Label, string Value)[] labels) =>
            samples.Where(x => x.Name == name && labels.All(l => x[l.Label] == l.Value)).Sum(x => x.Value);

        Sum("courier_attempts_total", ("mode", "sync"), ("target", host.TargetA), ("outcome", "succeeded")).ShouldBe(1);
        Sum("courier_attempts_total", ("mode", "sync"), ("target", host.TargetB), ("outcome", "succeeded")).ShouldBe(1);
        Sum("courier_attempts_total", ("mode", "sync"), ("target", host.TargetDown), ("outcome", "failed")).ShouldBe(1);
        Sum("courier_attempts_total", ("target", host.TargetA), ("region", "north")).ShouldBe(1);
        Sum("courier_bytes_pushed_bytes_total", ("target", host.TargetA)).ShouldBe(bytes.Length);
        Sum("courier_attempt_duration_seconds_count", ("mode", "sync"), ("target", host.TargetA)).ShouldBe(1);
        samples.ShouldContain(x => x.Name == "courier_attempt_duration_seconds_bucket" && x["target"] == host.TargetA && x["le"] == "+Inf" && x.Value == 1);
        Sum("courier_deliveries", ("target", host.TargetA), ("state", "delivered")).ShouldBe(1);
        Sum("courier_deliveries", ("target", host.TargetDown), ("state", "queued")).ShouldBe(1);
        Sum("courier_deliveries", ("target", host.TargetDown), ("state", "dead")).ShouldBe(0);
        Sum("courier_queue_depth", ("target", host.TargetA)).ShouldBe(0);
    }

    [Fact]
    public async Task Metrics_record_the_time_to_distributed_and_dead_letters()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: new Dictionary<string, string?>
        {
            ["Notify:PollInterval"] = "00:00:00.100",
            ["Retry:MaxAttempts"] = "1",
        });
        host.WriteSource("ttd/360p.mp4");
        host.WriteSource("dl/360p.mp4");
        using var client = host.CreateClient();
        // The outbox consumer starts at the newest event when it is first leased: let it exist before the video is submitted.
        await Eventually.WaitAsync(async () => await client.GetStringAsync("/healthz"), h => h.Contains("\"outbox\":{\"lastRunAt\":\"", StringComparison.Ordinal), "the first pass over the outbox");
        var before = Prometheus.Parse(await client.GetStringAsync("/metrics", Ct))
            .Where(x => x.Name == "courier_video_time_to_distributed_seconds_count").Sum(x => x.Value);

        using var ok = await client.PostAsync("/api/videos", Json.Body(new { videoId = "ttd", renditions = new[] { new { name = "360p", path = "ttd/360p.mp4" } }, targets = new[] { host.TargetA } }), Ct);
        using var dead = await client.PostAsync("/api/videos", Json.Body(new { videoId = "dl", renditions = new[] { new { name = "360p", path = "dl/360p.mp4" } }, targets = new[] { host.TargetDown } }), Ct);
        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Json.ReadAsync(dead)).GetProperty("state").GetString().ShouldBe("failed");

        var samples = await Eventually.WaitAsync(
            async () => Prometheus.Parse(await client.GetStringAsync("/metrics")),
            s => s.Where(x => x.Name == "courier_video_time_to_distributed_seconds_count").Sum(x => x.Value) > before,
            "courier.video.time_to_distributed to be recorded");
        samples.ShouldContain(x => x.Name == "courier_video_time_to_distributed_seconds_bucket" && x["le"] == "+Inf");
        samples.Where(x => x.Name == "courier_deliveries_dead_total" && x["target"] == host.TargetDown).Sum(x => x.Value).ShouldBe(1);
    }
}
