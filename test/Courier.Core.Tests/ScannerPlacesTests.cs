using System.Reflection;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Core.Tests;

/// <summary>
/// A scan's worker places are filled again as soon as their pushes are over, not once their outcomes are committed, and the
/// work loop fills them again across the end of a pass.
/// </summary>
public sealed class ScannerPlacesTests
{
    private const string Target = "cdn";

    [Fact]
    public async Task A_place_is_filled_again_while_the_outcome_of_its_last_push_is_still_being_written()
    {
        // One worker slot: four small deliveries at once.
        await using var courier = await CourierHarness.StartOnFakeClockAsync([Target], new Dictionary<string, string?> { ["Courier:Distribution:MaxConcurrency"] = "1" });
        await SeedEightAsync(courier);
        var (scanner, outcomes) = ScannerWithHeldOutcomes(courier);

        await ExpectAllEightWrittenWhileTheFirstFourAreHeldAsync(courier, outcomes, scanner.RunDueAsync(CancellationToken.None), "the four places were filled again before any outcome was committed");
    }

    [Fact]
    public async Task The_work_loop_fills_places_again_across_the_end_of_a_pass_instead_of_waiting_for_its_last_pushes()
    {
        // One worker slot (four small deliveries at once) and passes of four: a pass's places are all taken by its own
        // claims, so a loop of passes would wait for those four before it claimed the next four.
        await using var courier = await CourierHarness.StartOnFakeClockAsync([Target], new Dictionary<string, string?>
        {
            ["Courier:Distribution:MaxConcurrency"] = "1",
            ["Courier:Scan:BatchSize"] = "4",
        });
        await SeedEightAsync(courier);
        var (scanner, outcomes) = ScannerWithHeldOutcomes(courier);

        await ExpectAllEightWrittenWhileTheFirstFourAreHeldAsync(courier, outcomes, scanner.RunUntilIdleAsync(CancellationToken.None), "the work loop went on past the pass of four while its pushes' outcomes were still held");
    }

    /// <summary>Eight small renditions of one video, queued and due now for <see cref="Target"/>.</summary>
    private static async Task SeedEightAsync(CourierHarness courier)
    {
        var now = courier.Time.GetUtcNow();
        var resolver = new SourceResolver(courier.SourceRoot);
        var renditions = Enumerable.Range(1, 8).Select(i =>
        {
            courier.WriteSource($"places/r{i}.mp4", $"rendition {i}");
            var content = resolver.Resolve($"r{i}", $"places/r{i}.mp4", "path");
            return new NewRendition($"r{i}", content.SourcePath, content.Kind, content.Fingerprint, content.TotalBytes, content.Files.Count);
        }).ToList();
        await courier.Store.SubmitAsync(new NewVideoVersion("places", "fp", renditions, [Target]), "seed", now, CancellationToken.None);
        await courier.Store.ReleaseNodeAsync("seed", now, CancellationToken.None);
    }

    /// <summary>The node's own scanner and runner over the same store, whose outcomes wait at the store until the gate opens.</summary>
    private static (RetryScanner Scanner, HeldOutcomes Outcomes) ScannerWithHeldOutcomes(CourierHarness courier)
    {
        var (store, outcomes) = HeldOutcomes.Wrap(courier.Store);
        var runner = ActivatorUtilities.CreateInstance<DeliveryRunner>(courier.Services, store);
        return (ActivatorUtilities.CreateInstance<RetryScanner>(courier.Services, store, runner), outcomes);
    }

    private static async Task ExpectAllEightWrittenWhileTheFirstFourAreHeldAsync(CourierHarness courier, HeldOutcomes outcomes, Task<ScanResult> scanning, string because)
    {
        await Eventually.WaitForAsync(() => outcomes.Waiting >= 8 || scanning.IsCompleted, TimeSpan.FromSeconds(20), "all eight outcomes written while the first four are still held");
        outcomes.Waiting.ShouldBe(8, because);
        var held = await courier.Store.GetVideoAsync("places", CancellationToken.None);
        held!.Deliveries.ShouldAllBe(d => d.State == DeliveryState.InFlight);

        outcomes.Open();
        var scan = await scanning.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        scan.Claimed.ShouldBe(8);
        scan.Delivered.ShouldBe(8);
        var done = await courier.Store.GetVideoAsync("places", CancellationToken.None);
        done!.Deliveries.Count.ShouldBe(8);
        done.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        foreach (var i in Enumerable.Range(1, 8))
        {
            File.ReadAllText(Path.Combine(courier.TargetRoot(Target), $"places/r{i}/r{i}.mp4")).ShouldBe($"rendition {i}");
        }
    }

    /// <summary>A store whose outcomes (<see cref="IDeliveryStore.CompleteAsync"/>) wait until <see cref="Open"/>; all else passes through.</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time
    private class HeldOutcomes : DispatchProxy
#pragma warning restore CA1852
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IDeliveryStore _inner = null!;
        private int _waiting;

        /// <summary>Outcomes handed to the store so far.</summary>
        public int Waiting => Volatile.Read(ref _waiting);

        public static (IDeliveryStore Store, HeldOutcomes Outcomes) Wrap(IDeliveryStore inner)
        {
            var store = Create<IDeliveryStore, HeldOutcomes>();
            var outcomes = (HeldOutcomes)(object)store;
            outcomes._inner = inner;
            return (store, outcomes);
        }

        public void Open() => _gate.TrySetResult();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IDeliveryStore.CompleteAsync))
            {
                Interlocked.Increment(ref _waiting);
                return CompleteWhenOpenAsync((DeliveryCompletion)args![0]!, (CancellationToken)args[1]!);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }

        private async Task<bool> CompleteWhenOpenAsync(DeliveryCompletion completion, CancellationToken cancellationToken)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            return await _inner.CompleteAsync(completion, cancellationToken);
        }
    }
}
