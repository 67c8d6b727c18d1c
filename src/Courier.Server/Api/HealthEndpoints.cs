using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary>
/// <c>GET /healthz</c>: 200 when the store answers and the scanner has finished a scan within three intervals (or is in
/// the middle of one: a long push is not a stalled scanner); 503 otherwise.
/// Webhooks that keep failing are listed (status <c>degraded</c>, still 200: events wait in the outbox, none is lost), and
/// so are targets this node found deliveries for but does not have configured (<c>degraded</c>: they wait for a node that has them).
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/healthz", CheckAsync);

    private static async Task<IResult> CheckAsync(
        IStoreMaintenance store, RetryScanner scanner, DeliveryRunner runner, EventRelay relay, ServerClock started, CourierOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var storeStatus = "ok";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            storeStatus = "unreachable";
        }

        var now = time.GetUtcNow();
        var interval = options.Scan.Interval;
        var lastScan = scanner.LastScanAt;
        var scanning = scanner.ScanStartedAt is { } scanStart && (lastScan is null || scanStart > lastScan);
        var scannerAlive = scanning || (lastScan ?? started.StartedAt) >= now - (interval * 3);
        var webhooks = relay.Webhooks;
        var healthy = storeStatus == "ok" && scannerAlive;
        var unknownTargets = runner.UnknownTargets.Keys.Order(StringComparer.Ordinal)
            .Select(t => new UnknownTarget(t, $"no node here has target {t}: its deliveries wait in the queue for a node that has it"))
            .ToList();
        var status = !healthy ? "unhealthy" : webhooks.Any(w => w.Stuck) || unknownTargets.Count > 0 ? "degraded" : "ok";
        var body = new
        {
            status,
            store = storeStatus,
            scanner = new { alive = scannerAlive, scanning, lastScanAt = lastScan, intervalSeconds = interval.TotalSeconds },
            outbox = new { lastRunAt = relay.LastRunAt },
            webhooks,
            unknownTargets,
        };
        return Results.Json(body, CourierJson.Options, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>A target this node met deliveries for without having it configured.</summary>
internal sealed record UnknownTarget(string Target, string Message);

/// <summary>When this server started, for the scanner's health while it has not scanned yet.</summary>
internal sealed record ServerClock(DateTimeOffset StartedAt);
