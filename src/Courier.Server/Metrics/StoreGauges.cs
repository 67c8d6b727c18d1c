using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Courier.Core.Diagnostics;

namespace Courier.Server.Metrics;

/// <summary>
/// The gauges of <c>/metrics</c> that describe the store: <c>courier.deliveries</c> (tagged <c>target</c>, <c>state</c>),
/// <c>courier.queue.depth</c> (tagged <c>target</c>) and <c>courier.webhook.failures</c> (consecutive failed calls, tagged
/// <c>webhook</c>). They read the latest snapshot taken by <see cref="StoreSnapshotService"/>, never the store itself, so a
/// scrape costs no query. The instruments exist once per process; each running server publishes its snapshot here.
/// </summary>
internal static class StoreGauges
{
    private static readonly ConcurrentDictionary<object, StoreSnapshot> Snapshots = new();

    private static readonly ObservableGauge<long> Deliveries = CourierTelemetry.Meter.CreateObservableGauge(
        "courier.deliveries", ObserveDeliveries, "{delivery}", "Deliveries by target and state");

    private static readonly ObservableGauge<long> QueueDepth = CourierTelemetry.Meter.CreateObservableGauge(
        "courier.queue.depth", ObserveQueueDepth, "{delivery}", "Deliveries waiting in the failure queue, by target");

    private static readonly ObservableGauge<long> WebhookFailures = CourierTelemetry.Meter.CreateObservableGauge(
        "courier.webhook.failures", ObserveWebhookFailures, "{call}", "Consecutive failed calls of a webhook (0 when it is keeping up)");

    /// <summary>Publishes (or replaces) the snapshot of one server.</summary>
    public static void Publish(object owner, StoreSnapshot snapshot)
    {
        _ = (Deliveries, QueueDepth, WebhookFailures);
        Snapshots[owner] = snapshot;
    }

    /// <summary>Removes a stopped server's snapshot.</summary>
    public static void Withdraw(object owner) => Snapshots.TryRemove(owner, out _);

    private static IEnumerable<Measurement<long>> ObserveDeliveries() =>
        Snapshots.Values.SelectMany(s => s.Deliveries).Select(d =>
            new Measurement<long>(d.Count, new KeyValuePair<string, object?>("target", d.Target), new KeyValuePair<string, object?>("state", d.State)));

    private static IEnumerable<Measurement<long>> ObserveQueueDepth() =>
        Snapshots.Values.SelectMany(s => s.QueueDepth).Select(q =>
            new Measurement<long>(q.Value, new KeyValuePair<string, object?>("target", q.Key)));

    private static IEnumerable<Measurement<long>> ObserveWebhookFailures() =>
        Snapshots.Values.SelectMany(s => s.WebhookFailures).Select(w =>
            new Measurement<long>(w.Value, new KeyValuePair<string, object?>("webhook", w.Key)));
}

/// <summary>What the gauges show: a copy taken from the store at <see cref="TakenAt"/>.</summary>
internal sealed record StoreSnapshot(
    DateTimeOffset TakenAt,
    IReadOnlyList<(string Target, string State, long Count)> Deliveries,
    IReadOnlyDictionary<string, long> QueueDepth,
    IReadOnlyDictionary<string, long> WebhookFailures);
