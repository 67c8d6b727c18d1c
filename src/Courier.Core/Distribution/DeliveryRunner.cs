using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// Runs one claimed delivery, for the synchronous path and the scanner alike: pushes the rendition, classifies the
/// outcome through the <see cref="RetryPolicy"/> and the target's circuit, and writes it under the lease token.
/// Shutdown is not failure: work cut off by the caller's token is released unattempted.
/// </summary>
public sealed partial class DeliveryRunner
{
    private readonly IDeliveryQueue _store;
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
    private readonly Ingest.MasterPublisher? _masters;

    public DeliveryRunner(
        IDeliveryQueue store,
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
        _time = time;
        _node = node;
        _signal = signal;
        _logger = logger;
        _pusher = new RenditionPusher(policy, time);
    }

    /// <summary>The circuits of the targets, for health displays.</summary>
    public TargetCircuits Circuits => _circuits;

    /// <summary>
    /// Pushes <paramref name="delivery"/> and records the outcome. <paramref name="content"/> is the rendition as resolved at
    /// submit (null: list it again now). <paramref name="nothingPushedYet"/>: the ledger proves Courier never pushed a file
    /// under this video's keys (see <see cref="RenditionPusher.PushAsync"/>). Never throws for a failed push; throws only
    /// when the store cannot be written.
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
        var result = await AttemptAsync(delivery, mode, content, nothingPushedYet, observer, cancellationToken).ConfigureAwait(false);
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
            var gone = new Failure($"target {delivery.Target} is no longer configured", ErrorKinds.TargetRemoved, false);
            return await FailAsync(delivery, mode, gone, 0, startedAt, started, observer).ConfigureAwait(false);
        }

        if (_circuits.DownUntil(target.Name, startedAt) is { } downUntil)
        {
            var health = _circuits.Health(target.Name, startedAt);
            return await DeferAsync(delivery, downUntil, $"target {target.Name} is down: {health.LastError}", observer).ConfigureAwait(false);
        }

        using var watchdog = new StallWatchdog(_time, _options.StallTimeout, cancellationToken)
        {
            OnProgress = observer is null ? null : bytes => observer.Progressed(delivery, bytes),
        };
        try
        {
            content ??= _sources.Reopen(delivery.Rendition, delivery.SourcePath);
            if (content.Fingerprint != delivery.Fingerprint)
            {
                throw new SourceMissingException($"source of rendition {delivery.Rendition} changed since it was submitted; submit the video again");
            }

            observer?.Started(delivery, content.TotalBytes);
            LogPushing(delivery.VideoId, delivery.Rendition, delivery.Target, delivery.Attempts + 1, CourierTelemetry.Tag(mode));
            var pushed = await _pusher.PushAsync(target, delivery, content, nothingPushedYet, watchdog, watchdog.Token).ConfigureAwait(false);
            return await SucceedAsync(delivery, mode, target, pushed, startedAt, started, observer).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return await ReleaseAsync(delivery, observer).ConfigureAwait(false);
        }
        catch (Exception) when (watchdog.Fired)
        {
            var stalled = new Failure($"no progress for {_options.StallTimeout.TotalSeconds:0.#} s (target stalled)", ErrorKinds.Timeout, true);
            return await FailAsync(delivery, mode, stalled, watchdog.Bytes, startedAt, started, observer).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return await FailAsync(delivery, mode, Failure.From(e), watchdog.Bytes, startedAt, started, observer).ConfigureAwait(false);
        }
    }

    private async Task<DeliveryResult> SucceedAsync(ClaimedDelivery delivery, AttemptMode mode, ITarget target, RenditionPushed pushed, DateTimeOffset startedAt, long started, IDistributionObserver? observer)
    {
        var duration = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        var attempt = new AttemptRecord(mode, true, null, null, pushed.BytesSent, duration, startedAt, _node.Id);
        var completion = DeliveryCompletion.Delivered(delivery, pushed.TotalBytes, pushed.Digest, attempt, now);
        var accepted = await _store.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
        Record(mode, delivery.Target, target.Region, true, pushed.BytesSent, duration);
        LogDelivered(delivery.VideoId, delivery.Rendition, delivery.Target, pushed.BytesSent, duration.TotalMilliseconds);
        if (!accepted)
        {
            LogLeaseLost(delivery.VideoId, delivery.Rendition, delivery.Target);
        }

        if (_circuits.RecordSuccess(target.Name))
        {
            await TargetRecoveredAsync(target.Name).ConfigureAwait(false);
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

    private async Task<DeliveryResult> FailAsync(ClaimedDelivery delivery, AttemptMode mode, Failure failure, long bytes, DateTimeOffset startedAt, long started, IDistributionObserver? observer)
    {
        var duration = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var decision = _policy.Decide(attempts, failure, now);
        if (decision.State == DeliveryState.Queued && _policy.ExceedsCap(failure.RetryAfter))
        {
            LogRetryAfterCapped(delivery.Target, failure.RetryAfter!.Value.TotalSeconds, _policy.Options.MaxDelay.TotalSeconds);
        }

        var attempt = new AttemptRecord(mode, false, failure.Message, failure.Kind, bytes, duration, startedAt, _node.Id);
        var completion = DeliveryCompletion.Failed(delivery, decision.State, decision.NextAttemptAt, decision.Reason, failure.Kind, attempt, now);
        var accepted = await _store.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
        var region = _targets.Find(delivery.Target)?.Region ?? delivery.Target;
        Record(mode, delivery.Target, region, false, bytes, duration);
        if (failure.IsTransient && _circuits.RecordFailure(delivery.Target, failure.Message, now))
        {
            LogTargetDown(delivery.Target, failure.Message);
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

    private async Task<DeliveryResult> DeferAsync(ClaimedDelivery delivery, DateTimeOffset until, string reason, IDistributionObserver? observer)
    {
        var completion = DeliveryCompletion.Deferred(delivery, until, reason, ErrorKinds.TargetDown, _time.GetUtcNow());
        var accepted = await _store.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Queued, 0, TimeSpan.Zero, reason, ErrorKinds.TargetDown, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task<DeliveryResult> ReleaseAsync(ClaimedDelivery delivery, IDistributionObserver? observer)
    {
        const string Reason = "interrupted by shutdown";
        var now = _time.GetUtcNow();
        var completion = DeliveryCompletion.Released(delivery, Reason, now);
        var accepted = await _store.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
        var result = new DeliveryResult(delivery.Id, delivery.Rendition, delivery.Target, DeliveryState.Queued, 0, TimeSpan.Zero, Reason, null, accepted);
        observer?.Finished(result);
        return result;
    }

    private async Task TargetRecoveredAsync(string target)
    {
        var drained = await _store.MakeDueAsync(target, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        LogTargetRecovered(target, drained);
        _signal.Wake();
    }

    /// <summary>Probes a target whose break is over; a success closes its circuit and drains its queue now.</summary>
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
            _circuits.RecordFailure(targetName, Failure.From(e).Message, _time.GetUtcNow());
            return;
        }

        if (_circuits.RecordSuccess(targetName))
        {
            await TargetRecoveredAsync(targetName).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued {VideoId}/{Rendition} to {Target} after attempt {Attempt}: {Error}; next attempt at {NextAttemptAt:o}")]
    private partial void LogQueued(string videoId, string rendition, string target, int attempt, string error, DateTimeOffset? nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead {VideoId}/{Rendition} to {Target} after attempt {Attempt}: {Error}")]
    private partial void LogDead(string videoId, string rendition, string target, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome of {VideoId}/{Rendition} to {Target} refused: this node lost its lease and another node took the delivery over")]
    private partial void LogLeaseLost(string videoId, string rendition, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} asked to retry after {RetryAfterSeconds:0} s; waiting Retry:MaxDelay ({MaxDelaySeconds:0} s) instead")]
    private partial void LogRetryAfterCapped(string target, double retryAfterSeconds, double maxDelaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} marked down: {Error}")]
    private partial void LogTargetDown(string target, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target} recovered; {Count} queued deliveries made due now")]
    private partial void LogTargetRecovered(string target, int count);
}
