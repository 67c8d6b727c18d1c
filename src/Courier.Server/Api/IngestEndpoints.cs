using Courier.Core.Ingest;
using Courier.Core.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary><c>POST /api/ingest</c>: transcode a source under the source root and distribute each rendition as it is encoded.</summary>
internal static class IngestEndpoints
{
    public static void Map(RouteGroupBuilder mutations) => mutations.MapPost("/api/ingest", IngestAsync);

    private static async Task<IResult> IngestAsync(HttpRequest request, ApiOptions api, IngestService ingest, BackgroundPushes pushes, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<IngestBody>(request, api.MaxBodyBytes, null, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        IngestPlan plan;
        try
        {
            plan = await ingest.PlanAsync(new IngestRequest(body!.VideoId, body.Source, body.Ladder?.Select(l => l ?? string.Empty).ToList(), body.Targets?.Select(t => t!).ToList()) { AvailableFrom = body.AvailableFrom, AvailableUntil = body.AvailableUntil }, cancellationToken).ConfigureAwait(false);
        }
        catch (TranscoderUnavailableException e)
        {
            return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The transcoder is not available");
        }

        // Once planned, the ingest runs to its end even if the client hangs up (what it pushed is in the ledger); only
        // shutdown stops it, releasing its deliveries to the queue.
        var report = await ingest.RunAsync(plan, null, pushes.Stopping).ConfigureAwait(false);
        return Results.Json(report, CourierJson.Options, statusCode: report.Video.State == Core.Domain.VideoState.Distributed ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
    }
}
