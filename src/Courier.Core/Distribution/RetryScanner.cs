using System.Runtime.ExceptionServices;
using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The asynchronous path. Its work (<see cref="RunUntilIdleAsync"/>, or one pass of it, <see cref="RunDueAsync"/>) claims
/// due deliveries of the failure queue (not those of targets known to be down) only as fast as this node can start them, as worker places free up, so the rest stay
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
        return work with { Reclaimed = housekeeping.Reclaimed, DeadlinesMissed = housekeeping.DeadlinesMissed, MastersPublished = housekeeping.MastersPublished };
    }

    /// <summary>
    /// Housekeeping, when its time has come: probes the targets due for a probe (every call), and, once per
    /// <c>Scan:Interval</c> (or always when <paramref name="sweep"/>), takes back the in-flight work of nodes whose
    /// heartbeat is stale (waking the work loop when it took any), flags deliveries past the deadline threshold, and
    /// publishes the playlists of ingested versions that a stop left unpublished (<see cref="Ingest.MasterPublisher.RecoverAsync"/>).
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

        // A node stopped between an ingested version's last delivery at a target and its playlist there: publish it now.
        var published = _runner.Masters is { } masters ? await masters.RecoverAsync(_options.Scan.BatchSize, cancellationToken).ConfigureAwait(false) : 0;
        return new ScanResult(reclaimed, 0, 0, 0, 0, missed.Count, published);
    }

    /// <summary>
    /// One pass of the due work: claims only as many deliveries as this node can start now, and claims again as they end (once a quarter of its room is free, see <see cref="WorthClaiming"/>), until
    /// nothing is due or <c>Scan:BatchSize</c> deliveries were claimed in this pass, then waits for the pass's pushes. What this node cannot start stays
    /// <c>queued</c>, where another node can take it. Work is sized as the pusher sizes files: a node runs
    /// <c>Distribution:MaxConcurrency</c> deliveries at once, or <see cref="SmallPerSlot"/> times as many small ones (a
    /// single file of at most <see cref="RenditionPusher.SmallFileBytes"/>, or a removal), which cost round trips more than
    /// bandwidth. How many to claim follows the sizes of the last claim: a node draining small deliveries claims a slot's
    /// worth per free small place, one draining large ones one per free slot. A claim that brings larger work than
    /// expected waits, claimed, until it fits, and nothing more is claimed meanwhile, so what a node holds without running
    /// it stays under one claim's worth. A place is free as soon as its push is over and its outcome is being written
    /// (<see cref="IDistributionObserver.Writing"/>), not once the outcome is committed: the claim that refills it meets
    /// the outcomes in the store (one SQLite commit, or PostgreSQL statements at once), and no target waits for a commit.
    /// A node so holds at most its places' pushes plus the outcomes being written for them.
    /// </summary>
    public Task<ScanResult> RunDueAsync(CancellationToken cancellationToken) => RunAsync(untilIdle: false, cancellationToken);

    /// <summary>
    /// The work loop of a running node (<see cref="RetryScannerService"/>): the due work as <see cref="RunDueAsync"/> does it,
    /// but on until nothing is due, with no pause between passes. Passes of <c>Scan:BatchSize</c> used to follow each other,
    /// and each ended by waiting for its last pushes, so the node's places emptied every <c>Scan:BatchSize</c> deliveries
    /// of a backlog while its next claim waited. Here a place is refilled whenever it frees; a claim still takes at most
    /// <c>Scan:BatchSize</c>, and a line is logged for every <c>Scan:BatchSize</c> deliveries that ended.
    /// </summary>
    public Task<ScanResult> RunUntilIdleAsync(CancellationToken cancellationToken) => RunAsync(untilIdle: true, cancellationToken);

    private async Task<ScanResult> RunAsync(bool untilIdle, CancellationToken cancellationToken)
    {
        ScanStartedAt = _time.GetUtcNow();
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.scan");
        var capacity = _options.Distribution.MaxConcurrency * SmallPerSlot;
        var batchSize = _options.Scan.BatchSize;
        var used = 0;
        var expected = SmallPerSlot;
        var running = new Dictionary<Task<DeliveryResult>, ClaimedDelivery>();
        var places = new FreedPlaces();
        var waiting = new Queue<ClaimedDelivery>();
        var total = new ScanTally();
        var logged = new ScanTally();
        var more = true;
        ExceptionDispatchInfo? failure = null;
        while (true)
        {
            var wanted = Math.Min((capacity - used) / expected, untilIdle ? batchSize : batchSize - total.Claimed);
            var claimedNow = false;
            if (more && waiting.Count == 0 && wanted > 0 && WorthClaiming(capacity, used, expected) && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var now = _time.GetUtcNow();
                    var claimed = await _store.ClaimDueAsync(_node.Id, wanted, now, _circuits.DownTargets(now), cancellationToken).ConfigureAwait(false);
                    _runner.Hold(claimed);
                    total.Claimed += claimed.Count;
                    more = claimed.Count == wanted;
                    foreach (var delivery in claimed)
                    {
                        waiting.Enqueue(delivery);
                    }

                    if (claimed.Count > 0)
                    {
                        expected = claimed.Max(Weight);
                        claimedNow = true;
                    }
                }
                catch (Exception e)
                {
                    // Claim no more; what is already running still finishes and records its outcome.
                    failure = ExceptionDispatchInfo.Capture(e);
                    more = false;
                }
            }

            // Start what fits, in claim order (a delivery larger than all the room there is starts alone).
            while (waiting.TryPeek(out var next) && (used + Weight(next) <= capacity || used == 0))
            {
                waiting.Dequeue();
                var weight = Weight(next);
                used += weight;
                running.Add(_runner.RunAsync(next, next.Resubmitted ? AttemptMode.Manual : AttemptMode.Async, null, nothingPushedYet: false, places, cancellationToken), next);
            }

            if (running.Count == 0)
            {
                break;
            }

            if (claimedNow && waiting.Count == 0 && more && (capacity - used) / expected > 0 && WorthClaiming(capacity, used, expected))
            {
                // The claim brought smaller work than expected: room is left now, not only when a push ends.
                continue;
            }

            // Every place freed by now is filled by one claim: deliveries that finish together cost one round trip. A place is
            // free once its push is over and its outcome is being written, so the next claim goes to the store with the
            // outcomes (SQLite: in their commit), instead of after them.
            await Task.WhenAny(Task.WhenAny(running.Keys), places.FreedAsync()).ConfigureAwait(false);
            used -= places.Take();
            foreach (var done in running.Keys.Where(task => task.IsCompleted).ToList())
            {
                if (!places.Forget(running[done].Id))
                {
                    used -= Weight(running[done]);
                }

                running.Remove(done);
                total.Add(await done.ConfigureAwait(false));
            }

            if (untilIdle && total.Ended - logged.Ended >= batchSize)
            {
                Log(total.Since(logged));
                logged = total with { };
            }
        }

        LastScanAt = _time.GetUtcNow();
        activity?.SetTag("courier.claimed", total.Claimed);
        failure?.Throw();
        Log(total.Since(logged));
        return new ScanResult(0, total.Claimed, total.Delivered, total.Queued, total.Dead, 0);
    }

    /// <summary>Logs what a pass (or a stretch of <see cref="RunUntilIdleAsync"/>) redistributed, when it claimed or ended anything.</summary>
    private void Log(ScanTally tally)
    {
        if (tally.Claimed > 0 || tally.Ended > 0)
        {
            LogScanned(tally.Claimed, tally.Delivered, tally.Queued, tally.Dead);
        }
    }

    /// <summary>What a scan claimed and how its deliveries ended, counted as they end (not kept: a backlog may be millions).</summary>
    private sealed record ScanTally
    {
        public int Claimed { get; set; }

        public int Delivered { get; set; }

        public int Queued { get; set; }

        public int Dead { get; set; }

        /// <summary>Every delivery that ended, in any state (a removal ends removed, a superseded one superseded).</summary>
        public int Ended { get; set; }

        public void Add(DeliveryResult result)
        {
            Ended++;
            switch (result.State)
            {
                case DeliveryState.Delivered:
                    Delivered++;
                    break;
                case DeliveryState.Queued:
                    Queued++;
                    break;
                case DeliveryState.Dead:
                    Dead++;
                    break;
            }
        }

        public ScanTally Since(ScanTally earlier) => new()
        {
            Claimed = Claimed - earlier.Claimed,
            Delivered = Delivered - earlier.Delivered,
            Queued = Queued - earlier.Queued,
            Dead = Dead - earlier.Dead,
            Ended = Ended - earlier.Ended,
        };
    }

    /// <summary>
    /// Whether the room free now is worth a claim: when nothing runs, or when a quarter of the room is free (at least one
    /// delivery of the size expected). Small deliveries that end one by one are claimed for a few at a time, not one claim
    /// each: a claim costs a round trip, as long as a small push takes.
    /// </summary>
    private static bool WorthClaiming(int capacity, int used, int expected) => used == 0 || capacity - used >= Math.Max(expected, capacity / 4);

    /// <summary>Small deliveries run this many to a <c>Distribution:MaxConcurrency</c> slot (as the pusher runs small files).</summary>
    public const int SmallPerSlot = RenditionPusher.SmallFileConcurrency / RenditionPusher.LargeFileConcurrency;

    /// <summary>The places of <see cref="SmallPerSlot"/> in a slot a delivery takes: 1 when small, a whole slot otherwise.</summary>
    private static int Weight(ClaimedDelivery delivery) =>
        delivery.Operation == DeliveryOperation.Remove || (delivery.Kind == RenditionKind.File && delivery.Bytes is > 0 and <= RenditionPusher.SmallFileBytes)
            ? 1
            : SmallPerSlot;

    /// <summary>
    /// The places of a scan's deliveries whose push is over and whose outcome is being written (<see cref="IDistributionObserver.Writing"/>):
    /// free for new work before the outcome is committed. Called from the pushes' threads.
    /// </summary>
    private sealed class FreedPlaces : IDistributionObserver
    {
        private readonly Lock _lock = new();
        private readonly HashSet<Guid> _freed = [];
        private int _weight;
        private TaskCompletionSource? _waiting;

        public void Writing(ClaimedDelivery delivery)
        {
            TaskCompletionSource? wake;
            lock (_lock)
            {
                if (_freed.Add(delivery.Id))
                {
                    _weight += Weight(delivery);
                }

                wake = _waiting;
                _waiting = null;
            }

            wake?.TrySetResult();
        }

        /// <summary>Completes when a place is freed (at once when one was freed and not yet taken).</summary>
        public Task FreedAsync()
        {
            lock (_lock)
            {
                return _weight > 0 ? Task.CompletedTask : (_waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        /// <summary>The places freed since the last call.</summary>
        public int Take()
        {
            lock (_lock)
            {
                var weight = _weight;
                _weight = 0;
                return weight;
            }
        }

        /// <summary>Whether the ended delivery's place was freed here already (its weight is or will be in <see cref="Take"/>).</summary>
        public bool Forget(Guid delivery)
        {
            lock (_lock)
            {
                return _freed.Remove(delivery);
            }
        }

        public void Started(ClaimedDelivery delivery, long totalBytes)
        {
        }

        public void Progressed(ClaimedDelivery delivery, long bytes)
        {
        }

        public void Finished(DeliveryResult result)
        {
        }
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
