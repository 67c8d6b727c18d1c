using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Testing.Proxy;

namespace Courier.Reliability.Tests.Faults;

/// <summary>The scanner claims only what it can start: the rest of the queue stays <c>queued</c>, for other nodes.</summary>
public sealed class ScannerClaimTests
{
    /// <summary>Renditions larger than a small file (4 MiB) take a whole worker slot each: 2 slots, 2 pushes at once.</summary>
    [Fact]
    public Task A_scan_claims_only_as_many_deliveries_as_it_has_free_workers_and_leaves_the_rest_to_other_nodes() =>
        ClaimsOnlyWhatItStartsAsync(renditions: 8, bytes: 4_300_000, startedAtOnce: 2);

    /// <summary>Small single-file renditions run four to a slot (as the pusher runs small files): 2 slots, 8 at once.</summary>
    [Fact]
    public Task Small_deliveries_run_four_to_a_worker_slot_and_the_rest_stay_queued_for_other_nodes() =>
        ClaimsOnlyWhatItStartsAsync(renditions: 12, bytes: 20_000, startedAtOnce: 8);

    private static async Task ClaimsOnlyWhatItStartsAsync(int renditions, int bytes, int startedAtOnce)
    {
        var prefix = $"claim-{Guid.NewGuid():N}";
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var settings = CourierHarness.FastSettingsWithCdn(new Uri(proxy.Url, prefix + "/"));
        settings["Courier:Distribution:MaxConcurrency"] = "2";
        // Long enough that no hung push ends (and frees its place) while the test counts, even on a loaded machine.
        settings["Courier:Distribution:StallTimeout"] = "00:00:20";
        settings["Courier:Retry:MaxAttempts"] = "10";
        await using var courier = await CourierHarness.StartAsync(settings);
        try
        {
            var names = Enumerable.Range(1, renditions).Select(i => $"r{i}").ToList();
            foreach (var (name, i) in names.Select((n, i) => (n, i)))
            {
                courier.WriteSource($"claim/{name}.mp4", bytes, seed: i + 1);
            }

            proxy.GoDown();
            var queued = await courier.Distributor.DistributeAsync(new SubmitRequest("claim", names.Select(r => new RenditionRequest(r, $"claim/{r}.mp4")).ToList()), null, Ct);
            queued.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued);
            await Eventually.WaitAsync(async () => (await courier.Store.GetVideoAsync("claim", Ct))!.Deliveries.All(d => d.NextAttemptAt <= DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10), "the queued deliveries due");
            proxy.GoUp();

            // The first pushes hang at the target (until the stall timeout): every place of the scan's two workers is busy.
            var hang = proxy.Add(FaultRule.For(Fault.HangAfterBody()).OnMethod("PUT").Times(startedAtOnce));
            var scanning = Task.Run(() => courier.Scanner.RunOnceAsync(Ct), Ct);
            await Eventually.WaitForAsync(() => hang.Fired >= startedAtOnce || scanning.IsCompleted, TimeSpan.FromSeconds(20), "every worker place pushing");

            var during = await courier.Store.GetVideoAsync("claim", Ct);
            during!.Deliveries.Count(d => d.State == DeliveryState.InFlight).ShouldBe(startedAtOnce, "only what two workers can start is claimed");
            during.Deliveries.Count(d => d.State == DeliveryState.Queued).ShouldBe(renditions - startedAtOnce);
            var other = await courier.Store.ClaimDueAsync("other-node", 100, DateTimeOffset.UtcNow, [], Ct);
            other.Count.ShouldBe(renditions - startedAtOnce, "another node can take the rest at once");
            (await courier.Store.ReleaseNodeAsync("other-node", DateTimeOffset.UtcNow, Ct)).ShouldBe(renditions - startedAtOnce);

            await scanning.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var settled = await courier.SettleAsync("claim", TimeSpan.FromSeconds(60));
            settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
            foreach (var name in names)
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
