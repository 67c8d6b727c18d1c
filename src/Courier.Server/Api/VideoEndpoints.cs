using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary>
/// <c>POST /api/videos</c> (submit), <c>GET /api/videos</c> (recent), <c>GET /api/videos/{videoId}</c> (report) and
/// <c>DELETE /api/videos/{videoId}</c> (take down).
/// </summary>
internal static class VideoEndpoints
{
    private const int DefaultListLimit = 20;
    private const int MaxListLimit = 200;

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder mutations)
    {
        mutations.MapPost("/api/videos", SubmitAsync);
        app.MapGet("/api/videos", ListAsync);
        app.MapGet("/api/videos/{videoId}", GetAsync);
        mutations.MapDelete("/api/videos/{videoId}", RemoveAsync);
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest request,
        ApiOptions api,
        Distributor distributor,
        BackgroundPushes pushes,
        IDeliveryQueries store,
        TargetRegistry targets,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SubmitBody>(request, api.MaxBodyBytes, null, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var submitRequest = new SubmitRequest(body!.VideoId, body.Renditions?.Select(r => r!).ToList(), body.Targets?.Select(t => t!).ToList())
        {
            AvailableFrom = body.AvailableFrom,
            AvailableUntil = body.AvailableUntil,
        };
        if (body.Wait == false)
        {
            var submission = await pushes.DistributeAsync(submitRequest).ConfigureAwait(false);
            var record = await store.GetVideoVersionAsync(submission.VideoId, submission.Version, cancellationToken).ConfigureAwait(false);
            return Results.Accepted(Location(submission.VideoId), record is null ? null : VideoReport.From(record, targets));
        }

        // Pushes go on when the client hangs up, but not past shutdown.
        var report = await distributor.DistributeAsync(submitRequest, null, pushes.Stopping).ConfigureAwait(false);
        return report.Video.State == VideoState.Distributed
            ? Results.Json(report.Video, CourierJson.Options, statusCode: StatusCodes.Status200OK)
            : Results.Json(report.Video, CourierJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static string Location(string videoId) => $"/api/videos/{Uri.EscapeDataString(videoId)}";

    /// <summary>
    /// Takes a video down from the targets named by <c>?target=NAME</c> (repeatable; default: every configured target it was
    /// sent to), durably, then runs the removals now: 200 all removed (or some dead: they are in the report), 202 some
    /// queued for retry, 404 no such video, 400 bad id or unknown target (nothing stored).
    /// </summary>
    private static async Task<IResult> RemoveAsync(string videoId, HttpRequest request, Distributor distributor, BackgroundPushes pushes, CancellationToken cancellationToken)
    {
        var targets = request.Query["target"].Select(t => t ?? string.Empty).ToList();
        var removal = await distributor.RemoveAsync(videoId, targets.Count == 0 ? null : targets, cancellationToken).ConfigureAwait(false);
        if (removal is null)
        {
            return Problems.NotFound($"no such video: {videoId}");
        }

        var report = await distributor.PushAsync(removal, null, pushes.Stopping).ConfigureAwait(false);
        var waiting = report.Video.Deliveries.Any(d => d.State is DeliveryState.Queued or DeliveryState.InFlight)
            && !report.Video.Deliveries.Any(d => d.State == DeliveryState.Dead);
        return Results.Json(report.Video, CourierJson.Options, statusCode: waiting ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }

    private static async Task<IResult> ListAsync(DeliveryLedger ledger, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1)
        {
            return Problems.BadInput("limit", "limit must be at least 1");
        }

        var videos = await ledger.ListVideosAsync(Math.Min(limit ?? DefaultListLimit, MaxListLimit), cancellationToken).ConfigureAwait(false);
        return Results.Json(new { videos }, CourierJson.Options);
    }

    private static async Task<IResult> GetAsync(string videoId, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        if (Names.Problem(videoId, "videoId") is { } idProblem)
        {
            return Problems.BadInput("videoId", idProblem);
        }

        var report = await ledger.GetVideoAsync(videoId, cancellationToken).ConfigureAwait(false);
        return report is null ? Problems.NotFound($"no such video: {videoId}") : Results.Json(report, CourierJson.Options);
    }
}
