using Courier.Core.Reports;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary><c>GET /api/stats</c>, <c>GET /api/stats/series</c> (the dashboard's charts) and <c>GET /api/webhooks</c>.</summary>
internal static class StatsEndpoints
{
    private const int Buckets = 48;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stats", async (DeliveryLedger ledger, CancellationToken ct) =>
            Results.Json(await ledger.GetStatsAsync(ct).ConfigureAwait(false), CourierJson.Options));
        app.MapGet("/api/stats/series", SeriesAsync);
        app.MapGet("/api/webhooks", (EventRelay relay) => Results.Json(new { webhooks = relay.Webhooks }, CourierJson.Options));
    }

    private static async Task<IResult> SeriesAsync(IDeliveryQueries store, TimeProvider time, double? hours, CancellationToken cancellationToken)
    {
        if (hours is { } h && (double.IsNaN(h) || h <= 0 || h > 24 * 31))
        {
            return Problems.BadInput("hours", "hours must be more than 0 and at most 744");
        }

        var window = TimeSpan.FromHours(hours ?? 6);
        var bucket = TimeSpan.FromSeconds(Math.Max(60, Math.Ceiling(window.TotalSeconds / Buckets / 60) * 60));
        var now = time.GetUtcNow();
        var since = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % bucket.Ticks), TimeSpan.Zero) - (bucket * (Buckets - 1));
        var series = await store.GetAttemptSeriesAsync(since, bucket, cancellationToken).ConfigureAwait(false);
        var stats = await store.GetStatisticsAsync(now - window, cancellationToken).ConfigureAwait(false);
        var samples = stats.SecondsToDistributed.Select(s => Math.Round(s, 3)).ToList();
        return Results.Json(
            new
            {
                since,
                bucketSeconds = bucket.TotalSeconds,
                buckets = series,
                timeToDistributedSeconds = samples,
                timeToDistributed = StatsCalculator.Percentiles(samples),
            },
            CourierJson.Options);
    }
}
