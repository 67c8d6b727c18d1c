using System.Runtime.ExceptionServices;
using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The asynchronous path. Its work (<see cref="RunDueAsync"/>) claims due deliveries of the failure queue (not those of
/// targets known to be down) only as fast as this node can start them, one free worker slot at a time, so the rest stay
/// <c>queued</c> for other nodes; its housekeeping (<see cref="HousekeepAsync"/>) takes back the work of nodes whose
/// heartbeat is stale, probes targets that are down and flags deliveries past the deadline threshold, on its own
/// schedule, never waiting for a push. <see cref="RunOnceAsync"/> does both, once.
/// </summary>
public sealed partial class RetryScanner
{
    private readonly IDeliveryStore _store;
    private readonly DeliveryRunner _runner;
    private readonly TargetCircuits _circuits;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly CourierOptions _options;
    private readonly ScanSignal _signal;
    private readonly ILogger _logger;
    private DateTimeOffset _nextSweepAt = DateTimeOffset.MinValue;

    public RetryScanner(IDeliveryStore store, DeliveryRunner runner, NodeIdentity node, TimeProvider time, CourierOptions options, ScanSignal signal, ILogger<RetryScanner> logger)
    {
        _store = store;
        _runner = runner;
        _circuits = runner.Circuits;
        _node = node;
        _time = time;
        _options = options;
        _signal = signal;
        _logger = logger;
    }

    /// <summary>When the last scan ended, for health checks.</summary>
    public DateTimeOffset? LastScanAt { get; private set; }

    /// <summary>When the latest scan started; later than <see cref="LastScanAt"/> while a scan is running (a long push is not a stalled scanner).</summary>
    public DateTimeOffset? ScanStartedAt { get; private set; }

    /// <summary>One scan: housekeeping, then the due work. Failed pushes are recorded, not thrown; a store failure is thrown.</summary>
    public async Task<ScanResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var housekeeping = await HousekeepAsync(sweep: true, cancellationToken).ConfigureAwait(false);
        var work = await RunDueAsync(cancellationToken).ConfigureAwait(false);
        return work with { Reclaimed = housekeeping.Reclaimed, DeadlinesMissed = housekeeping.DeadlinesMissed };
    }

    /// <summary>
    /// Housekeeping, when its time has come: probes the targets due for a probe (every call), and, once per
    /// <c>Scan:Interval</c> (or always when <paramref name="sweep"/>), takes back the in-flight work of nodes whose
    /// heartbeat is stale (waking the work loop when it took any) and flags deliveries past the deadline threshold.
    /// </summary>
    public async Task<ScanResult> HousekeepAsync(bool sweep, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var target in _circuits.DueForProbe(now))
        {
            await _runner.ProbeAsync(target, cancellationToken).ConfigureAwait(false);
        }

        if (!sweep && now < _nextSweepAt)
        {
            return new ScanResult(0, 0, 0, 0, 0, 0);
        }

        _nextSweepAt = now + _options.Scan.Interval;
        var reclaimed = await _store.ReclaimExpiredAsync(now - _options.Scan.LeaseTimeout, now, cancellationToken).ConfigureAwait(false);
        if (reclaimed > 0)
        {
            LogReclaimed(reclaimed);
            _signal.Wake();
        }

        // Claims whose commit reached the store but whose answer never reached this node (a database restart or failover
        // cut the connection): nobody else would take them back while this node heartbeats.
        var lost = await _store.ReleaseLostClaimsAsync(_node.Id, _runner.HeldLeases, now - _options.Scan.LeaseTimeout, now, cancellationToken).ConfigureAwait(false);
        if (lost > 0)
        {
            LogLostClaimsReleased(lost, _options.Scan.LeaseTimeout.TotalSeconds);
            _signal.Wake();
        }

        now = _time.GetUtcNow();
        var missed = await _store.MarkDeadlineMissedAsync(now - _options.Distribution.DeadlineThreshold, now, _options.Scan.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var delivery in missed)
        {
            CourierTelemetry.DeadlineMissed.Add(1, new KeyValuePair<string, object?>("target", delivery.Target));
            LogDeadlineMissed(delivery.VideoId, delivery.Rendition, delivery.Target, _options.Distribution.DeadlineThreshold.TotalMinutes, delivery.LastError);
        }

        return new ScanResult(reclaimed, 0, 0, 0, 0, missed.Count);
    }

    /// <summary>
    /// Runs the due work: claims only as many deliveries as there are free worker slots (<c>Distribution:MaxConcurrency</c>),
    /// and claims again as slots free up, until nothing is due or <c>Scan:BatchSize</c> deliveries were claimed in this pass.
    /// What this node cannot start now stays <c>queued</c>, where another node can take it.
    /// </summary>
    public async Task<ScanResult> RunDueAsync(CancellationToken cancellationToken)
    {
        ScanStartedAt = _time.GetUtcNow();
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.scan");
        var slots = _options.Distribution.MaxConcurrency;
        var running = new List<Task<DeliveryResult>>(slots);
        var results = new List<DeliveryResult>();
        var claimedCount = 0;
        var more = true;
        ExceptionDispatchInfo? failure = null;
        while (true)
        {
            var wanted = Math.Min(slots - running.Count, _options.Scan.BatchSize - claimedCount);
            if (more && wanted > 0 && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var now = _time.GetUtcNow();
                    var claimed = await _store.ClaimDueAsync(_node.Id, wanted, now, _circuits.DownTargets(now), cancellationToken).ConfigureAwait(false);
                    _runner.Hold(claimed);
                    claimedCount += claimed.Count;
                    more = claimed.Count == wanted;
                    running.AddRange(claimed.Select(d => _runner.RunAsync(d, d.Resubmitted ? AttemptMode.Manual : AttemptMode.Async, null, nothingPushedYet: false, null, cancellationToken)));
                }
                catch (Exception e)
                {
                    // Claim no more; what is already running still finishes and records its outcome.
                    failure = ExceptionDispatchInfo.Capture(e);
                    more = false;
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(done);
            results.Add(await done.ConfigureAwait(false));
        }

        LastScanAt = _time.GetUtcNow();
        activity?.SetTag("courier.claimed", claimedCount);
        failure?.Throw();
        var result = new ScanResult(
            0,
            claimedCount,
            results.Count(r => r.State == DeliveryState.Delivered),
            results.Count(r => r.State == DeliveryState.Queued),
            results.Count(r => r.State == DeliveryState.Dead),
            0);
        if (result.Claimed > 0)
        {
            LogScanned(result.Claimed, result.Delivered, result.Queued, result.Dead);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took back {Count} in-flight deliveries of nodes whose heartbeat stopped")]
    private partial void LogReclaimed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handed back {Count} in-flight deliveries this node claimed but lost track of (the store's answer to the claim never came) more than {LeaseTimeoutSeconds:0} s ago")]
    private partial void LogLostClaimsReleased(int count, double leaseTimeoutSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan redistributed {Claimed} deliveries: {Delivered} delivered, {Queued} queued, {Dead} dead")]
    private partial void LogScanned(int claimed, int delivered, int queued, int dead);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline missed: {VideoId}/{Rendition} to {Target} not delivered within {ThresholdMinutes} minutes (last error: {Error})")]
    private partial void LogDeadlineMissed(string videoId, string rendition, string target, double thresholdMinutes, string? error);
}
