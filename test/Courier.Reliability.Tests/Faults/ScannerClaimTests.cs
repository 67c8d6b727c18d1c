using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Testing.Proxy;

namespace Courier.Reliability.Tests.Faults;

/// <summary>The scanner claims only what it can start: the rest of the queue stays <c>queued</c>, for other nodes.</summary>
public sealed class ScannerClaimTests
{
    [Fact]
    public async Task A_scan_claims_only_as_many_deliveries_as_it_has_free_workers_and_leaves_the_rest_to_other_nodes()
    {
        var prefix = $"claim-{Guid.NewGuid():N}";
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var settings = CourierHarness.FastSettingsWithCdn(new Uri(proxy.Url, prefix + "/"));
        settings["Courier:Distribution:MaxConcurrency"] = "2";
        settings["Courier:Distribution:StallTimeout"] = "00:00:05";
        settings["Courier:Retry:MaxAttempts"] = "10";
        await using var courier = await CourierHarness.StartAsync(settings);
        try
        {
            var renditions = Enumerable.Range(1, 8).Select(i => $"r{i}").ToList();
            foreach (var (name, i) in renditions.Select((n, i) => (n, i)))
            {
                courier.WriteSource($"claim/{name}.mp4", 20_000, seed: i + 1);
            }

            proxy.GoDown();
            var queued = await courier.Distributor.DistributeAsync(new SubmitRequest("claim", renditions.Select(r => new RenditionRequest(r, $"claim/{r}.mp4")).ToList()), null, Ct);
            queued.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued);
            await Eventually.WaitAsync(async () => (await courier.Store.GetVideoAsync("claim", Ct))!.Deliveries.All(d => d.NextAttemptAt <= DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10), "the queued deliveries due");
            proxy.GoUp();

            // The first two pushes hang at the target (until the stall timeout): the scan's two workers are busy.
            var hang = proxy.Add(FaultRule.For(Fault.HangAfterBody()).OnMethod("PUT").Times(2));
            var scanning = Task.Run(() => courier.Scanner.RunOnceAsync(Ct), Ct);
            await Eventually.WaitForAsync(() => hang.Fired >= 2 || scanning.IsCompleted, TimeSpan.FromSeconds(10), "both workers pushing");

            var during = await courier.Store.GetVideoAsync("claim", Ct);
            during!.Deliveries.Count(d => d.State == DeliveryState.InFlight).ShouldBe(2, "only what two workers can start is claimed");
            during.Deliveries.Count(d => d.State == DeliveryState.Queued).ShouldBe(6);
            var other = await courier.Store.ClaimDueAsync("other-node", 100, DateTimeOffset.UtcNow, [], Ct);
            other.Count.ShouldBe(6, "another node can take the rest at once");
            (await courier.Store.ReleaseNodeAsync("other-node", DateTimeOffset.UtcNow, Ct)).ShouldBe(6);

            await scanning.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            var settled = await courier.SettleAsync("claim", TimeSpan.FromSeconds(60));
            settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
            foreach (var name in renditions)
            {
                File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, prefix, "claim", name, $"{name}.mp4"))
                    .ShouldBe(File.ReadAllBytes(Path.Combine(courier.SourceRoot, $"claim/{name}.mp4")));
            }
        }
        finally
        {
            if (Directory.Exists(Path.Combine(TestEnvironment.WebDavRoot, prefix)))
            {
                Directory.Delete(Path.Combine(TestEnvironment.WebDavRoot, prefix), recursive: true);
            }
        }
    }
}
