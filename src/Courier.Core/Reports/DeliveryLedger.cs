using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Reports;

/// <summary>
/// What the ledger says, for the CLI and the API alike: a video's report, the queue, the statistics; and a person's
/// resubmission of queued or dead deliveries (which wakes the scanner).
/// </summary>
public sealed class DeliveryLedger
{
    private readonly IDeliveryStore _store;
    private readonly TargetRegistry _targets;
    private readonly TargetCircuits _circuits;
    private readonly ScanSignal _signal;
    private readonly TimeProvider _time;

    public DeliveryLedger(IDeliveryStore store, TargetRegistry targets, TargetCircuits circuits, ScanSignal signal, TimeProvider time)
    {
        _store = store;
        _targets = targets;
        _circuits = circuits;
        _signal = signal;
        _time = time;
    }

    /// <summary>
    /// The report of the latest version of a video with, per target, the version it holds; or null when there is no such
    /// video.
    /// </summary>
    public async Task<VideoReport?> GetVideoAsync(string videoId, CancellationToken cancellationToken)
    {
        var record = await _store.GetVideoAsync(videoId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var held = await _store.GetTargetVersionsAsync(videoId, cancellationToken).ConfigureAwait(false);
        return VideoReport.From(record, _targets) with { Targets = held.OrderBy(t => t.Target, StringComparer.Ordinal).ToList() };
    }

    /// <summary>The reports of the most recent videos, newest first.</summary>
    public async Task<IReadOnlyList<VideoReport>> ListVideosAsync(int limit, CancellationToken cancellationToken)
    {
        var records = await _store.ListVideosAsync(limit, cancellationToken).ConfigureAwait(false);
        return records.Select(r => VideoReport.From(r, _targets)).ToList();
    }

    /// <summary>A page of the failure queue and/or dead letters.</summary>
    public Task<QueuePage> GetQueueAsync(QueueQuery query, CancellationToken cancellationToken) => _store.GetQueueAsync(query, cancellationToken);

    /// <summary>The statistics; "recent" covers the last hour.</summary>
    public async Task<StatsReport> GetStatsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var raw = await _store.GetStatisticsAsync(now - TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
        return StatsCalculator.Build(raw, _targets, _circuits, now);
    }

    /// <summary>Resubmits deliveries (by id, or dead ones by target and/or error kind): queued, due now, attempts reset.</summary>
    public async Task<IReadOnlyList<Guid>> RetryAsync(IReadOnlyList<Guid>? deliveryIds, string? target, string? errorKind, CancellationToken cancellationToken)
    {
        var requeued = await _store.RequeueAsync(new RequeueRequest(deliveryIds, target, errorKind, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (requeued.Count > 0)
        {
            _signal.Wake();
        }

        return requeued;
    }

    /// <summary>
    /// A person's retry of the given deliveries, as one operation: each must exist and be queued or dead, else nothing is
    /// requeued and the results say which was refused; then all are requeued at once, and each result says whether it
    /// was (one that changed state meanwhile is not) with the delivery as it stands now.
    /// </summary>
    public async Task<IReadOnlyList<RetryResult>> RetryDeliveriesAsync(IReadOnlyList<Guid> deliveryIds, CancellationToken cancellationToken)
    {
        var ids = deliveryIds.Distinct().ToList();
        var refused = new List<RetryResult>();
        foreach (var id in ids)
        {
            var view = await _store.GetDeliveryAsync(id, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                refused.Add(new RetryResult(id, RetryOutcome.NotFound, null));
            }
            else if (view.State is not (DeliveryState.Queued or DeliveryState.Dead))
            {
                refused.Add(new RetryResult(id, RetryOutcome.NotRetryable, view));
            }
        }

        if (refused.Count > 0)
        {
            return refused;
        }

        var requeued = (await RetryAsync(ids, null, null, cancellationToken).ConfigureAwait(false)).ToHashSet();
        var results = new List<RetryResult>(ids.Count);
        foreach (var id in ids)
        {
            var now = await _store.GetDeliveryAsync(id, cancellationToken).ConfigureAwait(false);
            results.Add(new RetryResult(id, requeued.Contains(id) && now is not null ? RetryOutcome.Requeued : RetryOutcome.ChangedMeanwhile, now));
        }

        return results;
    }
}
