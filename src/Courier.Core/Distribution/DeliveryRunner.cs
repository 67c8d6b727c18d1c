using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// Runs one claimed delivery, for the synchronous path and the scanner alike: pushes the rendition (then records the
/// files it put at the target and deletes those older versions left there that this one lacks), or, for a removal,
/// deletes every file of the rendition the target may hold and proves each gone; classifies the outcome through the
/// <see cref="RetryPolicy"/> and the target's circuit, and writes it under the lease token.
/// Shutdown is not failure: work cut off by the caller's token is released unattempted.
/// </summary>
public sealed partial class DeliveryRunner
{
    private readonly IDeliveryStore _store;
    private readonly TargetRegistry _targets;
    private readonly SourceResolver _sources;
    private readonly RetryPolicy _policy;
    private readonly TargetCircuits _circuits;
    private readonly DistributionOptions _options;
    private readonly TimeProvider _time;
    private readonly NodeIdentity _node;
    private readonly ScanSignal _signal;
    private readonly RenditionPusher _pusher;
    private readonly ILogger _logger;
    private readonly TimeSpan _scanInterval;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _unknownTargets = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _held = new();

    /// <summary>The first wait before writing an outcome again that the store refused.</summary>
    public static readonly TimeSpan FirstStoreRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the synchronous path trusts its last read of the circuits shared through the store.</summary>
    public static readonly TimeSpan SharedCircuitsRefresh = TimeSpan.FromSeconds(1);

    private SharedCircuits? _sharedCircuits;

    /// <summary>The longest wait between two tries of writing an outcome.</summary>
    public static readonly TimeSpan MaxStoreRetryDelay = TimeSpan.FromSeconds(5);
    private readonly Ingest.MasterPublisher? _masters;

    /// <summary>The publisher of ingested versions' multivariant playlists, when this host ingests (the scanner's housekeeping runs its recovery).</summary>
    public Ingest.MasterPublisher? Masters => _masters;

    public DeliveryRunner(
        IDeliveryStore store,
        TargetRegistry targets,
        SourceResolver sources,
        RetryPolicy policy,
        TargetCircuits circuits,
        CourierOptions options,
        TimeProvider time,
        NodeIdentity node,
        ScanSignal signal,
        ILogger<DeliveryRunner> logger,
        Ingest.MasterPublisher? masters = null)
    {
        _masters = masters;
        _store = store;
        _targets = targets;
        _sources = sources;
        _policy = policy;
        _circuits = circuits;
        _options = options.Distribution;
        _scanInterval = options.Scan.Interval;
        _time = time;
        _node = node;
        _signal = signal;
        _logger = logger;
        _pusher = new RenditionPusher(policy, time);
    }

    /// <summary>
    /// Targets this node found deliveries for without having them configured, within the last three scan intervals
    /// (name → when last seen), for health displays: their deliveries wait for a node that has them.
    /// </summary>
    public IReadOnlyDictionary<string, DateTimeOffset> UnknownTargets
    {
        get
        {
            var since = _time.GetUtcNow() - (_scanInterval * 3);
            return _unknownTargets.Where(pair => pair.Value >= since).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The lease tokens of the deliveries this process claimed and has not finished: every in-flight delivery of this node
    /// not among them (and not claimed just now) is a claim whose answer was lost (<see cref="INodeStore.ReleaseLostClaimsAsync"/>).
    /// </summary>
    public IReadOnlyCollection<Guid> HeldLeases => _held.Keys.ToArray();

    /// <summary>Notes deliveries this process just claimed: held until <see cref="RunAsync"/> has finished them.</summary>
    public void Hold(IEnumerable<ClaimedDelivery> claimed)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        foreach (var delivery in claimed)
        {
            _held[delivery.LeaseToken] = 0;
        }
    }

    /// <summary>The circuits of the targets, for health displays.</summary>
    public TargetCircuits Circuits => _circuits;

    /// <summary>
    /// Pushes <paramref name="delivery"/> and records the outcome. <paramref name="content"/> is the rendition as resolved at
    /// submit (null: list it again now). <paramref name="nothingPushedYet"/>: the ledger proves Courier never pushed a file
    /// under this video's keys (see <see cref="RenditionPusher.PushAsync"/>). Never throws for a failed push; an outcome
    /// the store cannot take is written again until it is (see <see cref="WriteAsync"/>), so the store's trouble never stops a batch
    /// (when <paramref name="cancellationToken"/>, shutdown, ends that wait, the result is left <c>in_flight</c> for the
    /// node session's release).
    /// </summary>
    public async Task<DeliveryResult> RunAsync(ClaimedDelivery delivery, AttemptMode mode, RenditionContent? content, bool nothingPushedYet, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.delivery");
        activity?.SetTag("courier.video_id", delivery.VideoId);
        activity?.SetTag("courier.version", delivery.Version);
        activity?.SetTag("courier.rendition", delivery.Rendition);
        activity?.SetTag("courier.target", delivery.Target);
        activity?.SetTag("courier.attempt", delivery.Attempts + 1);
        activity?.SetTag("courier.mode", CourierTelemetry.Tag(mode));
        DeliveryResult result;
        _held[delivery.LeaseToken] = 0;
        try
        {
            result = await AttemptAsync(delivery, mode, content, nothingPushedYet, observer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown came while the outcome waited for the store: the delivery stays in flight under this node, and the
            // node session's release on stop (or another node's reclaim) hands it back. The batch goes on, so every other
            // claimed delivery is released too instead of being left behind.
            result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.InFlight, 0, TimeSpan.Zero, "interrupted by shutdown before its outcome was written", null, false);
        }
        finally
        {
            _held.TryRemove(delivery.LeaseToken, out _);
        }

        activity?.SetTag("courier.outcome", CourierTelemetry.Tag(result.State));
        if (result.Error is not null)
        {
            activity?.SetTag("courier.error_kind", result.ErrorKind);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Error);
        }

        return result;
    }

    private async Task<DeliveryResult> AttemptAsync(ClaimedDelivery delivery, AttemptMode mode, RenditionContent? content, bool nothingPushedYet, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var target = _targets.Find(delivery.Target);
        if (target is null)
        {
            // Not configured here, but maybe on another node (a rolling configuration change, `distribute --config
            // other.json` beside `serve`): never a reason to kill it. Left queued, unattempted, for a node that has it.
            var unknown = $"no target {delivery.Target} is configured on node {_node.Id}; left queued for a node that has it";
            _unknownTargets[delivery.Target] = startedAt;
            return await DeferAsync(delivery, startedAt + _scanInterval, unknown, ErrorKinds.TargetUnknown, observer, cancellationToken).ConfigureAwait(false);
        }

        if (_circuits.DownUntil(target.Name, startedAt) is { } downUntil)
        {
            var health = _circuits.Health(target.Name, startedAt);
            return await DeferAsync(delivery, downUntil, $"target {target.Name} is down: {health.LastError}", ErrorKinds.TargetDown, observer, cancellationToken).ConfigureAwait(false);
        }

        using var watchdog = new StallWatchdog(_time, _options.StallTimeout, cancellationToken)
        {
            OnProgress = observer is null ? null : bytes => observer.Progressed(delivery, bytes),
        };
        IReadOnlyList<DeliveredFile> verified = [];
        var files = new System.Collections.Concurrent.ConcurrentDictionary<string, DeliveredFile>(StringComparer.Ordinal);
        try
        {
            if (delivery.Operation == DeliveryOperation.Remove)
            {
                observer?.Started(delivery, 0);
                LogRemoving(delivery.VideoId, delivery.Rendition, delivery.Target, delivery.Attempts + 1, CourierTelemetry.Tag(mode));
                var removed = await RemoveAsync(target, delivery, watchdog, watchdog.Token).ConfigureAwait(false);
                return await RemovedAsync(delivery, mode, target, removed, startedAt, started, observer, cancellationToken).ConfigureAwait(false);
            }

            content ??= _sources.Reopen(delivery.Rendition, delivery.SourcePath);
            if (content.Fingerprint != delivery.Fingerprint)
            {
                throw new SourceMissingException($"source of rendition {delivery.Rendition} changed since it was submitted; submit the video again");
            }

            observer?.Started(delivery, content.TotalBytes);
            LogPushing(delivery.VideoId, delivery.Rendition, delivery.Target, delivery.Attempts + 1, CourierTelemetry.Tag(mode));
            // Version 1 has no older version whose files it could leave behind: no round trip to ask.
            var older = delivery.Version > 1
                ? await _store.GetFilesAsync(delivery.VideoId, delivery.Rendition, delivery.Target, delivery.Version, watchdog.Token).ConfigureAwait(false)
                : [];
            var olderKeys = older.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
            verified = delivery.HasFiles
                ? await _store.GetDeliveryFilesAsync(delivery.Id, watchdog.Token).ConfigureAwait(false)
                : [];
            var verifiedByKey = verified.ToDictionary(f => f.Key, StringComparer.Ordinal);
            // A first version whose every earlier try failed before its first byte (the target was down) has nothing of
            // its own at the target to find: its files are sent without asking first.
            var lookUpFirst = !(delivery.Version == 1 && delivery.NothingSent && verified.Count == 0);
            var pushed = await _pusher.PushAsync(target, delivery, content, nothingPushedYet, lookUpFirst, olderKeys, verifiedByKey, files, watchdog, watchdog.Token).ConfigureAwait(false);

            var current = pushed.Files.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
            var orphans = olderKeys.Where(key => !current.Contains(key)).ToList();
            if (orphans.Count == 0)
            {
                // The usual case: the files are recorded with the outcome, in its transaction (one commit, not two).
                return await SucceedAsync(delivery, mode, target, pushed, pushed.Files, startedAt, started, observer, cancellationToken).ConfigureAwait(false);
            }

            // Files an older version left that this one lacks are deleted only while this push still holds its lease: the
            // write of the files checks it first. Refused when this push was superseded or its lease lost: then the
            // completion below is refused too, and lets the lease go; those files are for the newer version's push to
            // delete (it may be writing some of those keys itself). A store that is locked is not a stalled target: each
            // try counts as progress for the watchdog.
            var recorded = await WriteAsync(
                () =>
                {
                    watchdog.Touch();
                    return _store.RecordFilesAsync(delivery.Id, delivery.LeaseToken, pushed.Files, CancellationToken.None);
                },
                $"the files of {delivery.VideoId}/{delivery.Rendition} at {delivery.Target}",
                cancellationToken).ConfigureAwait(false);
            if (recorded)
            {
                await DeleteOrphansAsync(target, delivery, orphans, watchdog, watchdog.Token).ConfigureAwait(false);
            }

            return await SucceedAsync(delivery, mode, target, pushed, null, startedAt, started, observer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return await ReleaseAsync(delivery, observer).ConfigureAwait(false);
        }
        catch (Exception) when (watchdog.Fired)
        {
            var stalled = new Failure($"no progress for {_options.StallTimeout.TotalSeconds:0.#} s (target stalled)", ErrorKinds.Timeout, true);
            var progressed = await RecordProgressAsync(delivery, verified, files).ConfigureAwait(false);
            return await FailAsync(delivery, mode, stalled, watchdog.Bytes, progressed, startedAt, started, observer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var progressed = await RecordProgressAsync(delivery, verified, files).ConfigureAwait(false);
            return await FailAsync(delivery, mode, Failure.From(e), watchdog.Bytes, progressed, startedAt, started, observer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a failed push: records the files it verified at the target (under the lease), so the next attempt neither sends
    /// nor reads them back again, and returns how many of them no earlier attempt had recorded: its progress. Progress
    /// counts only once recorded, so every attempt that counts as progress shrinks what is left for good.
    /// </summary>
    private async Task<int> RecordProgressAsync(ClaimedDelivery delivery, IReadOnlyList<DeliveredFile> verified, System.Collections.Concurrent.ConcurrentDictionary<string, DeliveredFile> files)
    {
        var known = verified.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var fresh = files.Values.Where(f => !known.Contains(f.Key)).ToList();
        if (fresh.Count == 0)
        {
            return 0;
        }

        try
        {
            return await _store.RecordFilesAsync(delivery.Id, delivery.LeaseToken, fresh, CancellationToken.None).ConfigureAwait(false) ? fresh.Count : 0;
        }
        catch (Exception e)
        {
            // Not remembered: the next attempt checks these files again, and this attempt counts as one without progress.
            LogProgressNotRecorded(e, delivery.VideoId, delivery.Rendition, delivery.Target);
            return 0;
        }
    }

    private async Task<DeliveryResult> SucceedAsync(ClaimedDelivery delivery, AttemptMode mode, ITarget target, RenditionPushed pushed, IReadOnlyList<DeliveredFile>? files, DateTimeOffset startedAt, long started, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var duration = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        var attempt = new AttemptRecord(mode, true, null, null, pushed.BytesSent, duration, startedAt, _node.Id);
        var completion = DeliveryCompletion.Delivered(delivery, pushed.TotalBytes, pushed.Digest, attempt, now, files);
        var accepted = await CompleteAsync(completion, delivery, observer, cancellationToken).ConfigureAwait(false);
        Record(mode, delivery.Target, target.Region, true, pushed.BytesSent, duration);
        LogDelivered(delivery.VideoId, delivery.Rendition, delivery.Target, pushed.BytesSent, duration.TotalMilliseconds);
        if (!accepted)
        {
            LogLeaseLost(delivery.VideoId, delivery.Rendition, delivery.Target);
        }
        else
        {
            // This may have been the version's last push to the target: the removals of the renditions it dropped, held
            // until then, are due now.
            _signal.Wake();
        }

        if (_circuits.RecordSuccess(target.Name))
        {
            await TargetRecoveredAsync(target.Name, cancellationToken).ConfigureAwait(false);
        }

        if (accepted && _masters is not null)
        {
            // The last rendition of an ingested version at this target: its multivariant playlist is published now.
            await _masters.OnDeliveredAsync(delivery, CancellationToken.None).ConfigureAwait(false);
        }

        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Delivered, pushed.BytesSent, duration, null, null, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task<DeliveryResult> RemovedAsync(ClaimedDelivery delivery, AttemptMode mode, ITarget target, int files, DateTimeOffset startedAt, long started, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var duration = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        var attempt = new AttemptRecord(mode, true, null, null, 0, duration, startedAt, _node.Id);
        var accepted = await CompleteAsync(DeliveryCompletion.Removed(delivery, attempt, now), delivery, observer, cancellationToken).ConfigureAwait(false);
        Record(mode, delivery.Target, target.Region, true, 0, duration);
        LogRemoved(delivery.VideoId, delivery.Rendition, delivery.Target, files, duration.TotalMilliseconds);
        if (!accepted)
        {
            LogLeaseLost(delivery.VideoId, delivery.Rendition, delivery.Target);
        }

        if (_circuits.RecordSuccess(target.Name))
        {
            await TargetRecoveredAsync(target.Name, cancellationToken).ConfigureAwait(false);
        }

        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Removed, 0, duration, null, null, accepted);
        observer?.Finished(result);
        return result;
    }

    /// <summary>
    /// Deletes what older versions of the rendition left at the target that this version lacks (fewer segments, other
    /// names), in <see cref="RemovalOrder"/>, proving each gone. Runs only after every file of this version is in place.
    /// </summary>
    private async Task DeleteOrphansAsync(ITarget target, ClaimedDelivery delivery, IReadOnlyList<string> orphans, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        var deleted = await DeleteAllAsync(target, RemovalOrder.Sort(orphans), watchdog, cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            LogOrphansDeleted(delivery.VideoId, delivery.Rendition, delivery.Target, deleted);
        }
    }

    /// <summary>
    /// A removal's work: every key any version of the rendition recorded at the target, and every key of the rendition's
    /// source as it stands now (when it still exists: a push cut off before recording may have left some), deleted in
    /// <see cref="RemovalOrder"/> (playlists first) and each proven gone. Returns how many keys were removed.
    /// </summary>
    private async Task<int> RemoveAsync(ITarget target, ClaimedDelivery delivery, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        var recorded = await _store.GetFilesAsync(delivery.VideoId, delivery.Rendition, delivery.Target, delivery.Version, cancellationToken).ConfigureAwait(false);
        var keys = recorded.Select(f => f.Key).ToList();
        try
        {
            var source = _sources.Reopen(delivery.Rendition, delivery.SourcePath);
            keys.AddRange(source.Files.Select(f => RenditionPusher.KeyOf(delivery.VideoId, delivery.Rendition, f.RelativePath)));
        }
        catch (SourceMissingException)
        {
            // The source is gone: the recorded keys are all Courier knows it put there.
        }

        return await DeleteAllAsync(target, RemovalOrder.Sort(keys), watchdog, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes <paramref name="keys"/> one after the other, in the order given, and proves each gone ("not found").</summary>
    private static async Task<int> DeleteAllAsync(ITarget target, IReadOnlyList<string> keys, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            watchdog.Touch();
            await target.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            if (!await target.ProveAbsentAsync(key, cancellationToken).ConfigureAwait(false))
            {
                throw new TargetException(target.Name, $"{key} is still served by {target.Name} after it was deleted", true, ErrorKinds.NotRemoved);
            }
        }

        return keys.Count;
    }

    private async Task<DeliveryResult> FailAsync(ClaimedDelivery delivery, AttemptMode mode, Failure failure, long bytes, int filesVerified, DateTimeOffset startedAt, long started, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var duration = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var decision = _policy.Decide(attempts, failure, now, madeProgress: filesVerified > 0);
        if (!decision.CountsAsAttempt)
        {
            attempts = delivery.Attempts;
            LogProgress(delivery.VideoId, delivery.Rendition, delivery.Target, filesVerified);
        }

        if (decision.State == DeliveryState.Queued && _policy.ExceedsCap(failure.RetryAfter))
        {
            LogRetryAfterCapped(delivery.Target, failure.RetryAfter!.Value.TotalSeconds, _policy.Options.MaxDelay.TotalSeconds);
        }

        var attempt = new AttemptRecord(mode, false, failure.Message, failure.Kind, bytes, duration, startedAt, _node.Id);
        var completion = DeliveryCompletion.Failed(delivery, decision.State, decision.NextAttemptAt, decision.Reason, failure.Kind, attempt, now, decision.CountsAsAttempt);
        var accepted = await CompleteAsync(completion, delivery, observer, cancellationToken).ConfigureAwait(false);
        var region = _targets.Find(delivery.Target)?.Region ?? delivery.Target;
        Record(mode, delivery.Target, region, false, bytes, duration);
        if (failure.IsTransient && _circuits.RecordFailure(delivery.Target, failure.Message, now))
        {
            LogTargetDown(delivery.Target, failure.Message);
            await ShareCircuitAsync(delivery.Target).ConfigureAwait(false);
        }

        if (decision.State == DeliveryState.Dead)
        {
            CourierTelemetry.DeadLettered.Add(1, new("target", delivery.Target), new("error_kind", failure.Kind));
            LogDead(delivery.VideoId, delivery.Rendition, delivery.Target, attempts, decision.Reason);
        }
        else
        {
            LogQueued(delivery.VideoId, delivery.Rendition, delivery.Target, attempts, decision.Reason, decision.NextAttemptAt);
        }

        if (!accepted)
        {
            LogLeaseLost(delivery.VideoId, delivery.Rendition, delivery.Target);
        }

        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, decision.State, bytes, duration, decision.Reason, failure.Kind, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task<DeliveryResult> DeferAsync(ClaimedDelivery delivery, DateTimeOffset until, string reason, string errorKind, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var completion = DeliveryCompletion.Deferred(delivery, until, reason, errorKind, _time.GetUtcNow());
        var accepted = await CompleteAsync(completion, delivery, observer, cancellationToken).ConfigureAwait(false);
        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Queued, 0, TimeSpan.Zero, reason, errorKind, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task<DeliveryResult> ReleaseAsync(ClaimedDelivery delivery, IDistributionObserver? observer)
    {
        const string Reason = "interrupted by shutdown";
        var now = _time.GetUtcNow();
        var completion = DeliveryCompletion.Released(delivery, Reason, now);
        bool accepted;
        try
        {
            accepted = await _store.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Shutting down: no time to wait for the store. The delivery stays in flight under this node until the node
            // session's release on stop, or another node's reclaim after the lease timeout, hands it back.
            LogReleaseFailed(e, delivery.VideoId, delivery.Rendition, delivery.Target);
            accepted = false;
        }

        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Queued, 0, TimeSpan.Zero, Reason, null, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task TargetRecoveredAsync(string target, CancellationToken cancellationToken)
    {
        var drained = await WriteAsync(() => _store.MakeDueAsync(target, _time.GetUtcNow(), CancellationToken.None), $"draining the queue of {target}", cancellationToken).ConfigureAwait(false);
        _signal.Wake();
        LogTargetRecovered(target, drained);
        await ShareCircuitAsync(target).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="target"/>'s circuit as this process sees it now (down until when, next probe; or up) to the
    /// store, for the other processes that push to it (<see cref="AdoptSharedCircuitsAsync"/>). Advisory: a store that cannot
    /// take it is logged, never a reason to fail a delivery.
    /// </summary>
    private async Task ShareCircuitAsync(string target)
    {
        var now = _time.GetUtcNow();
        var health = _circuits.Health(target, now);
        try
        {
            await _store.RecordCircuitAsync(new TargetCircuitState(target, health.DownUntil, _circuits.NextProbeAt(target, now), health.LastError, _node.Id, now), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogCircuitNotShared(e, target);
        }
    }

    /// <summary>
    /// Before the synchronous path pushes to <paramref name="targets"/>: those another process (<c>courier serve</c>, another
    /// node) recorded down in the store and this one does not know as down are probed once. A failed probe marks the target
    /// down here too (<see cref="TargetCircuits.Adopt"/>), so its deliveries are queued at once, unattempted, instead of each
    /// waiting on the dead target; a probe that succeeds records the target up again, and the push goes ahead. The store is
    /// read at most once per <see cref="SharedCircuitsRefresh"/>.
    /// </summary>
    public async Task AdoptSharedCircuitsAsync(IReadOnlyCollection<string> targets, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<TargetCircuitState> shared;
        if (_sharedCircuits is { } cached && now - cached.ReadAt < SharedCircuitsRefresh)
        {
            shared = cached.Open;
        }
        else
        {
            try
            {
                shared = await _store.GetOpenCircuitsAsync(now, cancellationToken).ConfigureAwait(false);
                _sharedCircuits = new SharedCircuits(now, shared);
            }
            catch (Exception e)
            {
                // Advisory: without it the pushes go ahead, as before there was any sharing (on shutdown, each is released).
                if (!cancellationToken.IsCancellationRequested)
                {
                    LogSharedCircuitsUnread(e);
                }

                return;
            }
        }

        foreach (var circuit in shared)
        {
            if (circuit.DownUntil is not { } downUntil || downUntil <= now || !targets.Contains(circuit.Target)
                || _circuits.DownUntil(circuit.Target, now) is not null || _targets.Find(circuit.Target) is not { } target)
            {
                continue;
            }

            try
            {
                await target.ProbeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var reason = $"{Failure.From(e).Message} (node {circuit.NodeId} found it down: {circuit.LastError})";
                _circuits.Adopt(circuit.Target, downUntil, reason, _time.GetUtcNow());
                LogSharedCircuitConfirmed(circuit.Target, circuit.NodeId, downUntil);
                continue;
            }

            LogSharedCircuitCleared(circuit.Target, circuit.NodeId);
            _circuits.RecordSuccess(circuit.Target);
            await ShareCircuitAsync(circuit.Target).ConfigureAwait(false);
        }
    }

    /// <summary>Probes a target marked down whose probe is due; a success closes its circuit and drains its queue now.</summary>
    public async Task ProbeAsync(string targetName, CancellationToken cancellationToken)
    {
        var target = _targets.Find(targetName);
        if (target is null)
        {
            return;
        }

        try
        {
            await target.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _circuits.RecordProbeFailure(targetName, Failure.From(e).Message, _time.GetUtcNow());
            await ShareCircuitAsync(targetName).ConfigureAwait(false);
            return;
        }

        if (_circuits.RecordSuccess(targetName))
        {
            await TargetRecoveredAsync(targetName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes an outcome under its lease, retrying until the store takes it (see <see cref="WriteAsync"/>).</summary>
    private Task<bool> CompleteAsync(DeliveryCompletion completion, ClaimedDelivery delivery, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        observer?.Writing(delivery);
        return WriteAsync(() => _store.CompleteAsync(completion, CancellationToken.None), $"the outcome of {delivery.VideoId}/{delivery.Rendition} to {delivery.Target}", cancellationToken);
    }

    /// <summary>
    /// Writes to the store, and when the store cannot take it (SQLite locked past its busy timeout, a full disk, a
    /// PostgreSQL failover) tries again after a backoff that starts at <see cref="FirstStoreRetryDelay"/> and doubles up to
    /// <see cref="MaxStoreRetryDelay"/>, until it is written or <paramref name="cancellationToken"/> (shutdown) ends the
    /// wait. An outcome is never dropped while the node lives on, which would leave its delivery in flight under a node
    /// that keeps heartbeating; on shutdown the node session's release hands the delivery back. The lease token keeps a
    /// late write harmless: if another node took the delivery over meanwhile, the write is refused.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write, string what, CancellationToken cancellationToken)
    {
        var delay = FirstStoreRetryDelay;
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await write().ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogStoreWriteFailed(e, what, failures, delay.TotalMilliseconds);
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreRetryDelay.Ticks));
        }
    }

    private static void Record(AttemptMode mode, string target, string region, bool succeeded, long bytes, TimeSpan duration)
    {
        var modeTag = new KeyValuePair<string, object?>("mode", CourierTelemetry.Tag(mode));
        var targetTag = new KeyValuePair<string, object?>("target", target);
        var outcome = new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed");
        CourierTelemetry.Attempts.Add(1, modeTag, targetTag, new("region", region), outcome);
        CourierTelemetry.AttemptDuration.Record(duration.TotalSeconds, modeTag, targetTag, outcome);
        if (bytes > 0)
        {
            CourierTelemetry.BytesPushed.Add(bytes, targetTag);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pushing {VideoId}/{Rendition} to {Target}, attempt {Attempt} ({Mode})")]
    private partial void LogPushing(string videoId, string rendition, string target, int attempt, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {VideoId}/{Rendition} to {Target}: {Bytes} bytes in {DurationMs:0} ms")]
    private partial void LogDelivered(string videoId, string rendition, string target, long bytes, double durationMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removing {VideoId}/{Rendition} from {Target}, attempt {Attempt} ({Mode})")]
    private partial void LogRemoving(string videoId, string rendition, string target, int attempt, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {VideoId}/{Rendition} from {Target}: {Files} files proven gone in {DurationMs:0} ms")]
    private partial void LogRemoved(string videoId, string rendition, string target, int files, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} files of older versions of {VideoId}/{Rendition} from {Target}")]
    private partial void LogOrphansDeleted(string videoId, string rendition, string target, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued {VideoId}/{Rendition} to {Target} after attempt {Attempt}: {Error}; next attempt at {NextAttemptAt:o}")]
    private partial void LogQueued(string videoId, string rendition, string target, int attempt, string error, DateTimeOffset? nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead {VideoId}/{Rendition} to {Target} after attempt {Attempt}: {Error}")]
    private partial void LogDead(string videoId, string rendition, string target, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome of {VideoId}/{Rendition} to {Target} refused: this node lost its lease and another node took the delivery over")]
    private partial void LogLeaseLost(string videoId, string rendition, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} asked to retry after {RetryAfterSeconds:0} s; waiting Retry:MaxDelay ({MaxDelaySeconds:0} s) instead")]
    private partial void LogRetryAfterCapped(string target, double retryAfterSeconds, double maxDelaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write {What} to the store (try {Failure}); trying again in {DelayMs:0} ms")]
    private partial void LogStoreWriteFailed(Exception exception, string what, int failure, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release {VideoId}/{Rendition} to {Target} on shutdown; it is handed back by this node's release or after the lease timeout")]
    private partial void LogReleaseFailed(Exception exception, string videoId, string rendition, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "{VideoId}/{Rendition} to {Target} verified {Files} more files before failing: progress, not counted against the attempt budget")]
    private partial void LogProgress(string videoId, string rendition, string target, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the files {VideoId}/{Rendition} to {Target} verified before failing; the next attempt checks them again")]
    private partial void LogProgressNotRecorded(Exception exception, string videoId, string rendition, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the circuit of target {Target} in the store for the other processes")]
    private partial void LogCircuitNotShared(Exception exception, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the targets other processes found down; pushing without")]
    private partial void LogSharedCircuitsUnread(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} is down (node {Node} found it so, and a probe from here failed too); its deliveries are queued until {DownUntil:o}")]
    private partial void LogSharedCircuitConfirmed(string target, string node, DateTimeOffset downUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target}, found down by node {Node}, answers a probe from here: pushing to it")]
    private partial void LogSharedCircuitCleared(string target, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} marked down: {Error}")]
    private partial void LogTargetDown(string target, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target} recovered; {Count} queued deliveries made due now")]
    private partial void LogTargetRecovered(string target, int count);

    private sealed record SharedCircuits(DateTimeOffset ReadAt, IReadOnlyList<TargetCircuitState> Open);
}
