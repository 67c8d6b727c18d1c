using System.Reflection;
using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Core.Tests;

/// <summary>A scan's worker places are filled again as soon as their pushes are over, not once their outcomes are committed.</summary>
public sealed class ScannerPlacesTests
{
    private const string Target = "cdn";

    [Fact]
    public async Task A_place_is_filled_again_while_the_outcome_of_its_last_push_is_still_being_written()
    {
        await using var courier = await CourierHarness.StartOnFakeClockAsync([Target]);
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

        // One worker slot: four small deliveries at once. Every outcome waits at the store until the gate opens.
        var (store, outcomes) = HeldOutcomes.Wrap(courier.Store);
        var scanner = NewScanner(store, courier.SourceRoot, courier.Time, maxConcurrency: 1);
        var scanning = scanner.RunDueAsync(CancellationToken.None);

        await Eventually.WaitForAsync(() => outcomes.Waiting >= 8 || scanning.IsCompleted, TimeSpan.FromSeconds(20), "all eight outcomes written while the first four are still held");
        outcomes.Waiting.ShouldBe(8, "the four places were filled again before any outcome was committed");
        var held = await courier.Store.GetVideoAsync("places", CancellationToken.None);
        held!.Deliveries.ShouldAllBe(d => d.State == DeliveryState.InFlight);

        outcomes.Open();
        var scan = await scanning.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        scan.Claimed.ShouldBe(8);
        scan.Delivered.ShouldBe(8);
        var done = await courier.Store.GetVideoAsync("places", CancellationToken.None);
        done!.Deliveries.Count.ShouldBe(8);
        done.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
    }

    private static RetryScanner NewScanner(IDeliveryStore store, string sourceRoot, TimeProvider time, int maxConcurrency)
    {
        var options = new CourierOptions { SourceRoot = sourceRoot, Retry = { QuickRetries = 0 }, Distribution = { MaxConcurrency = maxConcurrency } };
        var node = new NodeIdentity("places-node");
        var signal = new ScanSignal();
        var runner = new DeliveryRunner(
            store,
            new TargetRegistry([new AcceptingTarget()]),
            new SourceResolver(sourceRoot),
            new RetryPolicy(options.Retry),
            new TargetCircuits(options.Circuit, options.Retry.MaxDelay),
            options,
            time,
            node,
            signal,
            NullLogger<DeliveryRunner>.Instance);
        return new RetryScanner(store, runner, node, time, options, signal, NullLogger<RetryScanner>.Instance);
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

    /// <summary>A target that takes every object at once.</summary>
    private sealed class AcceptingTarget : ITarget
    {
        public string Name => Target;

        public string Region => "test";

        public string Kind => "accepting";

        public VerifyMode Verify => VerifyMode.Size;

        public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) => Task.FromResult<StoredObject?>(null);

        public Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken) =>
            Task.FromResult(new PutResult(put.Length, new string('0', 64)));

        public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
