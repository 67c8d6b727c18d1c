using System.Net;
using Courier.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Server.Tests;

/// <summary>The API through <see cref="CourierClient"/>, the way a .NET caller uses it: if the client and the server drift apart, these fail.</summary>
public sealed class ClientApiTests
{
    private const string Key = CourierHost.ApiKey;

    private static readonly Dictionary<string, string?> DeadAtFirstFailure = new()
    {
        ["Api:ApiKey"] = Key,
        ["Retry:MaxAttempts"] = "1",
        ["Circuit:FailureThreshold"] = "1",
        ["Circuit:BreakDuration"] = "01:00:00",
    };

    private static CourierClient Client(CourierHost host, string? key = Key)
    {
        var http = host.CreateClient();
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return new CourierClient(http);
    }

    [Fact]
    public async Task Submit_status_queue_retry_stats_and_reconcile_through_the_client()
    {
        await using var host = CourierHost.Create(withDownTarget: true, settings: DeadAtFirstFailure);
        var bytes = host.WriteSource("c1/360p.mp4", 10_000);
        var client = Client(host);

        var report = await client.SubmitAsync(new VideoSubmission("c1", [new RenditionSource("360p", "c1/360p.mp4")], [host.TargetA, host.TargetDown]), Ct);

        report.VideoId.ShouldBe("c1");
        report.State.ShouldBe("failed");
        report.Deliveries.Single(d => d.Target == host.TargetA).State.ShouldBe("delivered");
        File.ReadAllBytes(Path.Combine(host.TargetRoot("a"), "c1", "360p", "360p.mp4")).ShouldBe(bytes);
        var dead = report.Deliveries.Single(d => d.Target == host.TargetDown);
        dead.State.ShouldBe("dead");

        (await client.GetVideoAsync("c1", Ct)).Deliveries.Count.ShouldBe(2);
        var queue = await client.GetQueueAsync(new QueueFilter(State: "dead", Target: host.TargetDown), Ct);
        queue.Total.ShouldBe(1);
        queue.Items.ShouldHaveSingleItem().Id.ShouldBe(dead.Id);
        (await client.GetDeliveryAsync(dead.Id, Ct)).State.ShouldBe("dead");

        var retried = await client.RetryAsync(dead.Id, Ct);
        retried.State.ShouldBe("queued");
        retried.Attempts.ShouldBe(0);
        (await client.GetQueueAsync(new QueueFilter(State: "queued"), Ct)).Items.ShouldHaveSingleItem().Id.ShouldBe(dead.Id);
        (await client.RetryDeadAsync(host.TargetDown, cancellationToken: Ct)).ShouldBe(0);

        var stats = await client.GetStatsAsync(Ct);
        stats.Sync.Attempts.ShouldBe(2);
        stats.Sync.Succeeded.ShouldBe(1);
        stats.Deliveries.Delivered.ShouldBe(1);
        stats.Targets.Single(t => t.Name == host.TargetA).Deliveries.Delivered.ShouldBe(1);

        File.Delete(Path.Combine(host.TargetRoot("a"), "c1", "360p", "360p.mp4"));
        var reconciled = await client.ReconcileAsync(host.TargetA, "c1", Ct);
        reconciled.Checked.ShouldBe(1);
        reconciled.Reopened.ShouldBe(1);
        reconciled.Findings.ShouldHaveSingleItem().Target.ShouldBe(host.TargetA);
    }

    [Fact]
    public async Task Problem_answers_become_typed_exceptions()
    {
        await using var host = CourierHost.CreateWithApiKey();
        host.WriteSource("c2/360p.mp4");
        var client = Client(host);
        var anonymous = Client(host, key: null);
        var submission = new VideoSubmission("c2", [new RenditionSource("360p", "c2/360p.mp4")]);

        var unauthorized = await Should.ThrowAsync<CourierUnauthorizedException>(() => anonymous.SubmitAsync(submission, Ct));
        var missing = await Should.ThrowAsync<CourierNotFoundException>(() => client.GetVideoAsync("nope", Ct));
        var badFile = await Should.ThrowAsync<CourierBadInputException>(() => client.SubmitAsync(submission with { Renditions = [new RenditionSource("360p", "c2/none.mp4")] }, Ct));
        var badState = await Should.ThrowAsync<CourierBadInputException>(() => client.GetQueueAsync(new QueueFilter(State: "bogus"), Ct));
        await Should.ThrowAsync<CourierNotFoundException>(() => client.RetryAsync(Guid.NewGuid(), Ct));

        unauthorized.Status.ShouldBe(HttpStatusCode.Unauthorized);
        unauthorized.Detail!.ShouldNotContain(Key);
        missing.Detail.ShouldBe("no such video: nope");
        badFile.Field.ShouldBe("renditions[0].path");
        badState.Field.ShouldBe("state");
        await Should.ThrowAsync<CourierNotFoundException>(() => client.GetVideoAsync("c2", Ct));

        var delivered = await client.SubmitAsync(submission, Ct);
        delivered.State.ShouldBe("distributed");
        var conflict = await Should.ThrowAsync<CourierConflictException>(() => client.RetryAsync(delivered.Deliveries[0].Id, Ct));
        conflict.Status.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_cancelled_call_throws_OperationCanceledException()
    {
        await using var host = CourierHost.Create();
        var client = CourierClient.Create(await host.StartKestrelAsync());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => client.GetStatsAsync(cancelled.Token));
    }

    [Fact]
    public async Task AddCourierClient_registers_a_typed_client_with_the_key()
    {
        await using var host = CourierHost.CreateWithApiKey();
        var address = await host.StartKestrelAsync();
        host.WriteSource("c3/360p.mp4");
        var services = new ServiceCollection();
        services.AddCourierClient(options =>
        {
            options.BaseAddress = address;
            options.ApiKey = Key;
        });
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<CourierClient>().SubmitAsync(new VideoSubmission("c3", [new RenditionSource("360p", "c3/360p.mp4")], [host.TargetB]), Ct);

        report.State.ShouldBe("distributed");
        File.Exists(Path.Combine(host.TargetRoot("b"), "c3", "360p", "360p.mp4")).ShouldBeTrue();
    }
}
