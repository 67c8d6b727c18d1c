using System.Net;

namespace Courier.Server.Tests;

public sealed class QueueApiTests
{
    // Attempts run out at the first failure, and the down target's circuit opens at once for an hour: dead deliveries stay
    // dead, and resubmitted ones stay queued (the scanner skips a target known to be down).
    private static readonly Dictionary<string, string?> DeadAtFirstFailure = new()
    {
        ["Retry:MaxAttempts"] = "1",
        ["Circuit:FailureThreshold"] = "1",
        ["Circuit:BreakDuration"] = "01:00:00",
    };

    // The same for two videos: the first failure leaves the circuit closed (so the second video is attempted, and dies too);
    // the second opens it.
    private static readonly Dictionary<string, string?> TwoDeadThenDown = new(DeadAtFirstFailure) { ["Circuit:FailureThreshold"] = "2" };

    private static async Task SubmitAsync(HttpClient client, CourierHost host, string videoId, params string[] targets)
    {
        host.WriteSource($"{videoId}/360p.mp4", 5_000);
        using var response = await client.PostAsync("/api/videos", Json.Body(new
        {
            videoId,
            renditions = new[] { new { name = "360p", path = $"{videoId}/360p.mp4" } },
            targets,
        }));
        response.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Queue_lists_dead_deliveries_filtered_by_state_target_and_error_kind_and_paged()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: TwoDeadThenDown);
        using var client = host.CreateClient();
        await SubmitAsync(client, host, "q1", host.TargetA, host.TargetDown);
        await SubmitAsync(client, host, "q2", host.TargetA, host.TargetDown);

        var dead = await Json.ReadAsync(await client.GetAsync($"/api/queue?state=dead&target={host.TargetDown}", Ct));
        var page = await Json.ReadAsync(await client.GetAsync($"/api/queue?state=dead&target={host.TargetDown}&limit=1&offset=1", Ct));
        var none = await Json.ReadAsync(await client.GetAsync($"/api/queue?state=dead&target={host.TargetA}", Ct));
        var queued = await Json.ReadAsync(await client.GetAsync("/api/queue?state=queued", Ct));

        dead.GetProperty("total").GetInt32().ShouldBe(2);
        var items = dead.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("videoId").GetString()).ShouldBe(["q1", "q2"], ignoreOrder: true);
        items.ShouldAllBe(i => i.GetProperty("state").GetString() == "dead" && i.GetProperty("target").GetString() == host.TargetDown && i.GetProperty("attempts").GetInt32() == 1);
        var errorKind = items[0].GetProperty("errorKind").GetString()!;
        errorKind.ShouldNotBeNullOrEmpty();
        page.GetProperty("total").GetInt32().ShouldBe(2);
        page.GetProperty("items").GetArrayLength().ShouldBe(1);
        none.GetProperty("total").GetInt32().ShouldBe(0);
        queued.GetProperty("total").GetInt32().ShouldBe(0);
        var byKind = await Json.ReadAsync(await client.GetAsync($"/api/queue?errorKind={errorKind}", Ct));
        byKind.GetProperty("total").GetInt32().ShouldBe(2);
        var otherKind = await Json.ReadAsync(await client.GetAsync("/api/queue?errorKind=no_such_kind", Ct));
        otherKind.GetProperty("total").GetInt32().ShouldBe(0);

        var groups = await Json.ReadAsync(await client.GetAsync("/api/queue/groups", Ct));
        var group = groups.GetProperty("groups").EnumerateArray().ShouldHaveSingleItem();
        group.GetProperty("target").GetString().ShouldBe(host.TargetDown);
        group.GetProperty("errorKind").GetString().ShouldBe(errorKind);
        group.GetProperty("state").GetString().ShouldBe("dead");
        group.GetProperty("count").GetInt32().ShouldBe(2);
    }

    [Theory]
    [InlineData("state=delivered", "state")]
    [InlineData("state=bogus", "state")]
    [InlineData("limit=0", "limit")]
    [InlineData("offset=-1", "offset")]
    public async Task Queue_refuses_bad_parameters_with_400_naming_them(string query, string field)
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/api/queue?" + query, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json.ReadAsync(response)).GetProperty("field").GetString().ShouldBe(field);
    }

    [Fact]
    public async Task Retrying_a_dead_delivery_moves_it_to_queued_with_attempts_reset()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: DeadAtFirstFailure);
        using var client = host.CreateClient();
        await SubmitAsync(client, host, "r1", host.TargetA, host.TargetDown);
        var report = await Json.ReadAsync(await client.GetAsync("/api/videos/r1", Ct));
        var deliveries = report.GetProperty("deliveries").EnumerateArray().ToDictionary(d => d.GetProperty("target").GetString()!, d => d.GetProperty("id").GetString()!);

        using var retried = await client.PostAsync($"/api/deliveries/{deliveries[host.TargetDown]}/retry", null, Ct);
        using var delivered = await client.PostAsync($"/api/deliveries/{deliveries[host.TargetA]}/retry", null, Ct);
        using var unknown = await client.PostAsync($"/api/deliveries/{Guid.NewGuid()}/retry", null, Ct);

        retried.StatusCode.ShouldBe(HttpStatusCode.OK);
        var delivery = await Json.ReadAsync(retried);
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(0);
        var stored = await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{deliveries[host.TargetDown]}", Ct));
        stored.GetProperty("state").GetString().ShouldBe("queued");
        delivered.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Json.ReadAsync(delivered)).GetProperty("detail").GetString()!.ShouldContain("delivered");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bulk_retry_requeues_the_dead_of_a_target_only()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: TwoDeadThenDown);
        using var client = host.CreateClient();
        await SubmitAsync(client, host, "b1", host.TargetA, host.TargetDown);
        await SubmitAsync(client, host, "b2", host.TargetA, host.TargetDown);

        using var other = await client.PostAsync("/api/deliveries/retry", Json.Body(new { target = host.TargetA }), Ct);
        using var response = await client.PostAsync("/api/deliveries/retry", Json.Body(new { target = host.TargetDown }), Ct);
        using var bad = await client.PostAsync("/api/deliveries/retry", Json.Raw("""{"target":"x","everything":true}"""), Ct);

        (await Json.ReadAsync(other)).GetProperty("requeued").GetInt32().ShouldBe(0);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Json.ReadAsync(response)).GetProperty("requeued").GetInt32().ShouldBe(2);
        var queued = await Json.ReadAsync(await client.GetAsync($"/api/queue?state=queued&target={host.TargetDown}", Ct));
        queued.GetProperty("total").GetInt32().ShouldBe(2);
        var dead = await Json.ReadAsync(await client.GetAsync("/api/queue?state=dead", Ct));
        dead.GetProperty("total").GetInt32().ShouldBe(0);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json.ReadAsync(bad)).GetProperty("field").GetString().ShouldBe("everything");
    }

    [Fact]
    public async Task Stats_count_the_synchronous_attempts_and_deliveries_by_state()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: DeadAtFirstFailure);
        using var client = host.CreateClient();
        await SubmitAsync(client, host, "s1", host.TargetA, host.TargetB, host.TargetDown);

        using var response = await client.GetAsync("/api/stats", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var stats = await Json.ReadAsync(response);
        var sync = stats.GetProperty("sync");
        sync.GetProperty("attempts").GetInt64().ShouldBe(3);
        sync.GetProperty("succeeded").GetInt64().ShouldBe(2);
        sync.GetProperty("failed").GetInt64().ShouldBe(1);
        var deliveries = stats.GetProperty("deliveries");
        deliveries.GetProperty("delivered").GetInt64().ShouldBe(2);
        deliveries.GetProperty("dead").GetInt64().ShouldBe(1);
        deliveries.GetProperty("in_flight").GetInt64().ShouldBe(0);
        var down = stats.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == host.TargetDown);
        down.GetProperty("region").GetString().ShouldBe("east");
        down.GetProperty("consecutiveFailures").GetInt32().ShouldBe(1);

        var series = await Json.ReadAsync(await client.GetAsync("/api/stats/series?hours=1", Ct));
        series.GetProperty("buckets").EnumerateArray().Where(b => b.GetProperty("mode").GetString() == "sync").Sum(b => b.GetProperty("succeeded").GetInt64()).ShouldBe(2);
    }
}
