using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The asynchronous path, one scan at a time (<see cref="RunOnceAsync"/>): takes back the work of nodes whose heartbeat
/// is stale, probes targets whose break is over, claims the due deliveries of the failure queue (not those of targets
/// known to be down) and redistributes them, and flags deliveries past the deadline threshold.
/// </summary>
public sealed partial class RetryScanner
{
    private readonly IDeliveryStore _store;
    private readonly DeliveryRunner _runner;
    private readonly TargetCircuits _circuits;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public RetryScanner(IDeliveryStore store, DeliveryRunner runner, NodeIdentity node, TimeProvider time, CourierOptions options, ILogger<RetryScanner> logger)
    {
        _store = store;
        _runner = runner;
        _circuits = runner.Circuits;
        _node = node;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>When the last scan ended, for health checks.</summary>
    public DateTimeOffset? LastScanAt { get; private set; }

    /// <summary>When the latest scan started; later than <see cref="LastScanAt"/> while a scan is running (a long push is not a stalled scanner).</summary>
    public DateTimeOffset? ScanStartedAt { get; private set; }

    /// <summary>One scan. Failed pushes are recorded, not thrown; a store failure is thrown.</summary>
    public async Task<ScanResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        ScanStartedAt = now;
        var reclaimed = await _store.ReclaimExpiredAsync(now - _options.Scan.LeaseTimeout, now, cancellationToken).ConfigureAwait(false);
        if (reclaimed > 0)
        {
            LogReclaimed(reclaimed);
        }

        foreach (var target in _circuits.DueForProbe(now))
        {
            await _runner.ProbeAsync(target, cancellationToken).ConfigureAwait(false);
        }

        now = _time.GetUtcNow();
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.scan");
        var claimed = await _store.ClaimDueAsync(_node.Id, _options.Scan.BatchSize, now, _circuits.DownTargets(now), cancellationToken).ConfigureAwait(false);
        var results = new System.Collections.Concurrent.ConcurrentBag<DeliveryResult>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Distribution.MaxConcurrency };
        await Parallel.ForEachAsync(claimed, parallel, async (delivery, _) =>
            results.Add(await _runner.RunAsync(delivery, delivery.Resubmitted ? AttemptMode.Manual : AttemptMode.Async, null, nothingPushedYet: false, null, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);

        var missed = await _store.MarkDeadlineMissedAsync(_time.GetUtcNow() - _options.Distribution.DeadlineThreshold, _time.GetUtcNow(), _options.Scan.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var delivery in missed)
        {
            CourierTelemetry.DeadlineMissed.Add(1, new KeyValuePair<string, object?>("target", delivery.Target));
            LogDeadlineMissed(delivery.VideoId, delivery.Rendition, delivery.Target, _options.Distribution.DeadlineThreshold.TotalMinutes, delivery.LastError);
        }

        LastScanAt = _time.GetUtcNow();
        activity?.SetTag("courier.claimed", claimed.Count);
        var result = new ScanResult(
            reclaimed,
            claimed.Count,
            results.Count(r => r.State == DeliveryState.Delivered),
            results.Count(r => r.State == DeliveryState.Queued),
            results.Count(r => r.State == DeliveryState.Dead),
            missed.Count);
        if (result.Claimed > 0)
        {
            LogScanned(result.Claimed, result.Delivered, result.Queued, result.Dead);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took back {Count} in-flight deliveries of nodes whose heartbeat stopped")]
    private partial void LogReclaimed(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan redistributed {Claimed} deliveries: {Delivered} delivered, {Queued} queued, {Dead} dead")]
    private partial void LogScanned(int claimed, int delivered, int queued, int dead);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline missed: {VideoId}/{Rendition} to {Target} not delivered within {ThresholdMinutes} minutes (last error: {Error})")]
    private partial void LogDeadlineMissed(string videoId, string rendition, string target, double thresholdMinutes, string? error);
}
