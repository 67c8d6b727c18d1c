using Courier.Core.Domain;
using Courier.Core.Hosting;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Courier.Server.Webhooks;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Metrics;

/// <summary>
/// Refreshes the gauges' snapshot every <c>Api:MetricsRefreshInterval</c>: deliveries by target and state, queue depth per
/// target (every configured target appears, with zeros), and the webhooks' consecutive failures.
/// </summary>
internal sealed partial class StoreSnapshotService(
    IDeliveryQueries store,
    TargetRegistry targets,
    EventRelay relay,
    ApiOptions api,
    TimeProvider time,
    ILogger<StoreSnapshotService> logger) : PeriodicService(time)
{
    /// <summary>Takes one snapshot and publishes it.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var raw = await store.GetStatisticsAsync(now - TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
        var names = raw.Deliveries.Select(d => d.Target).Concat(targets.All.Select(t => t.Name)).Distinct(StringComparer.Ordinal).ToList();
        var deliveries = new List<(string, string, long)>();
        var depth = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            foreach (var state in DeliveryStates.All)
            {
                var count = raw.Deliveries.Where(d => d.Target == name && d.State == state).Sum(d => d.Count);
                deliveries.Add((name, state.Name(), count));
                if (state == DeliveryState.Queued)
                {
                    depth[name] = count;
                }
            }
        }

        var webhooks = relay.Webhooks.ToDictionary(w => w.Name, w => (long)w.Attempts, StringComparer.Ordinal);
        StoreGauges.Publish(this, new StoreSnapshot(now, deliveries, depth, webhooks));
    }

    protected override TimeSpan Interval => api.MetricsRefreshInterval;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => RefreshAsync(cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogRefreshFailed(exception);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        StoreGauges.Withdraw(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the metrics snapshot from the store failed; the gauges keep the last one")]
    private partial void LogRefreshFailed(Exception exception);
}
