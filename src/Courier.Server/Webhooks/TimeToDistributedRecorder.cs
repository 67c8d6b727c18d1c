using Courier.Core.Diagnostics;
using Courier.Core.Storage;

namespace Courier.Server.Webhooks;

/// <summary>
/// Records <c>courier.video.time_to_distributed</c> from the <c>video.distributed</c> events of the outbox: once per video
/// version across every node (the consumer is leased), from the store's submit and distributed times.
/// </summary>
internal sealed class TimeToDistributedRecorder(IDeliveryQueries store) : IEventConsumer
{
    public string Name => "courier.metrics";

    public bool Wants(string type) => type == EventTypes.VideoDistributed;

    public async Task<string?> HandleAsync(CourierEvent courierEvent, CancellationToken cancellationToken)
    {
        var record = await store.GetVideoVersionAsync(courierEvent.VideoId, courierEvent.Version, cancellationToken).ConfigureAwait(false);
        if (record?.DistributedAt is { } distributedAt)
        {
            CourierTelemetry.TimeToDistributed.Record(Math.Max(0, (distributedAt - record.SubmittedAt).TotalSeconds));
        }

        return null;
    }
}
