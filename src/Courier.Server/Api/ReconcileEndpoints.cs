using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary>
/// <c>POST /api/reconcile</c> (a mutation: it re-queues): checks what the targets really hold against the delivered
/// deliveries and answers with the <see cref="ReconcileResult"/>.
/// </summary>
internal static class ReconcileEndpoints
{
    public static void Map(RouteGroupBuilder mutations) => mutations.MapPost("/api/reconcile", ReconcileAsync);

    private static async Task<IResult> ReconcileAsync(HttpRequest request, ApiOptions api, Reconciler reconciler, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, api.MaxBodyBytes, new ReconcileBody(null, null), cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var target = string.IsNullOrEmpty(body!.Target) ? null : body.Target;
        var videoId = string.IsNullOrEmpty(body.VideoId) ? null : body.VideoId;
        if (target is not null && Names.Problem(target, "target") is { } targetProblem)
        {
            return Problems.BadInput("target", targetProblem);
        }

        if (videoId is not null && Names.Problem(videoId, "videoId") is { } videoProblem)
        {
            return Problems.BadInput("videoId", videoProblem);
        }

        var result = await reconciler.RunOnceAsync(target, videoId, cancellationToken).ConfigureAwait(false);
        return Results.Json(result, CourierJson.Options);
    }
}
