using Courier.Core.Distribution;
using Courier.Core.Reports;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Server.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Courier.Server.Api;

/// <summary>
/// <c>GET /openapi/v1.json</c>: the API described as OpenAPI 3. The handlers answer <see cref="IResult"/> and read their
/// bodies themselves, so what each route takes and answers is written down here, once, by method and route; every
/// mutation (POST, DELETE) carries the bearer requirement (enforced when <c>Courier:Api:ApiKey</c> is set), and every
/// error is an RFC 7807 problem.
/// </summary>
internal static class OpenApiDescription
{
    public const string DocumentPath = "/openapi/v1.json";

    private const string Bearer = "bearer";

    private static readonly Dictionary<string, Route> Routes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["POST api/videos"] = new("Submit a video: distribute it now and answer with the report", typeof(SubmitBody),
            [(200, typeof(VideoReport), "every delivery delivered"), (202, typeof(VideoReport), "some deliveries queued for retry, or wait=false")],
            [400, 413]),
        ["POST api/ingest"] = new("Ingest a source: transcode it into the HLS ladder and distribute each rendition as it is encoded; answer with the report", typeof(IngestBody),
            [(200, typeof(Core.Ingest.IngestReport), "every delivery delivered, master.m3u8 published at every target"), (202, typeof(Core.Ingest.IngestReport), "some deliveries queued for retry")],
            [400, 413, 503]),
        ["GET api/videos"] = new("The most recent videos", null, [(200, typeof(VideoList), "the videos, newest first")], [400]),
        ["GET api/videos/{videoId}"] = new("The report of a video as it stands", null, [(200, typeof(VideoReport), "the report")], [400, 404]),
        ["DELETE api/videos/{videoId}"] = new("Take a video down from its targets (?target=NAME, repeatable; default every target it was sent to): playlists first, each file proven gone", null,
            [(200, typeof(VideoReport), "every removal done, or some dead (in the report)"), (202, typeof(VideoReport), "some removals queued for retry")],
            [400, 404]),
        ["GET api/queue"] = new("The failure queue and the dead letters, paged", null, [(200, typeof(QueuePage), "one page")], [400]),
        ["GET api/queue/groups"] = new("Queued and dead deliveries grouped by target, error kind and state", null, [(200, typeof(QueueGroups), "the groups")], []),
        ["GET api/deliveries/{id}"] = new("One delivery", null, [(200, typeof(DeliveryView), "the delivery")], [404]),
        ["POST api/deliveries/{id}/retry"] = new("Resubmit one queued or dead delivery", null, [(200, typeof(DeliveryView), "the delivery, queued and due now")], [404, 409]),
        ["POST api/deliveries/retry"] = new("Resubmit the dead deliveries (by target and/or error kind)", typeof(RetryBody), [(200, typeof(RequeueCount), "how many were requeued")], [400, 413]),
        ["POST api/reconcile"] = new("Check what the targets hold against the ledger; re-queue what is missing or wrong", typeof(ReconcileBody),
            [(200, typeof(ReconcileResult), "what was checked and found")], [400, 413]),
        ["GET api/stats"] = new("Success rates, states, time to distributed, per target and region", null, [(200, typeof(StatsReport), "the statistics")], []),
        ["GET api/stats/series"] = new("Attempts over time (the dashboard's charts)", null, [(200, typeof(StatsSeries), "the series")], [400]),
        ["GET api/webhooks"] = new("The webhooks and how their deliveries stand", null, [(200, typeof(WebhookList), "the webhooks")], []),
        ["GET healthz"] = new("Health: the store answers and the scanner scans", null, [(200, typeof(Health), "healthy or degraded")], [503]),
    };

    private static readonly Dictionary<int, string> ProblemTitles = new()
    {
        [400] = "bad input (the field is named in 'field'); nothing stored",
        [401] = "the API key is missing or wrong (Authorization: Bearer KEY)",
        [404] = "not found",
        [403] = "a request that changes state from another origin (Origin, Sec-Fetch-Site): refused, nothing changed",
        [409] = "conflict with the current state",
        [413] = "the request body is too large",
        [415] = "the request body is not application/json (or has no Content-Type): refused, nothing changed",
        [421] = "the Host header does not name this server (Courier:Api:Urls): refused, nothing changed",
        [503] = "unhealthy, or a tool the request needs (ffmpeg) is not installed",
    };

    public static IServiceCollection AddCourierOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.ShouldInclude = description => description.RelativePath is { } path && (path.StartsWith("api/", StringComparison.Ordinal) || path == "healthz");
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Courier",
                Version = "v1",
                Description = "Delivers transcoded video renditions to every target, queues and retries what failed, and reports on it.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The configured API key (Courier:Api:ApiKey). Required on every mutation when one is set.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeAsync);
    });

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var method = context.Description.HttpMethod ?? "GET";
        if (!Routes.TryGetValue($"{method} {context.Description.RelativePath}", out var route))
        {
            return;
        }

        operation.Summary = route.Summary;
        if (route.Body is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = body == typeof(SubmitBody),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken) },
                },
            };
        }

        operation.Responses ??= new OpenApiResponses();
        operation.Responses.Clear();
        foreach (var (status, type, description) in route.Answers)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken) },
                },
            };
        }

        var mutation = method is "POST" or "DELETE";
        // RequestGuard answers every request whose Host is not this server's with 421, and a mutation from another origin
        // with 403, or with a body that is not JSON with 415.
        var problems = (mutation ? route.Problems.Concat([401, 403, 415]) : route.Problems).Append(421);
        foreach (var status in problems.Distinct().Order())
        {
            var schema = status == 503 ? typeof(Health) : typeof(ProblemDetails);
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ProblemTitles[status],
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [status == 503 ? "application/json" : "application/problem+json"] = new() { Schema = await context.GetOrCreateSchemaAsync(schema, null, cancellationToken) },
                },
            };
        }

        if (mutation)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = [] });
        }
    }

    private sealed record Route(string Summary, Type? Body, (int Status, Type Type, string Description)[] Answers, int[] Problems);


    private sealed record VideoList(IReadOnlyList<VideoReport> Videos);

    private sealed record QueueGroups(int Total, bool Truncated, IReadOnlyList<QueueGroup> Groups);

    private sealed record RequeueCount(int Requeued);

    private sealed record StatsSeries(DateTimeOffset Since, double BucketSeconds, IReadOnlyList<AttemptBucket> Buckets, IReadOnlyList<double> TimeToDistributedSeconds, Percentiles TimeToDistributed);

    private sealed record WebhookList(IReadOnlyList<ConsumerStatus> Webhooks);

    private sealed record ScannerHealth(bool Alive, bool Scanning, DateTimeOffset? LastScanAt, double IntervalSeconds);

    private sealed record OutboxHealth(DateTimeOffset? LastRunAt);

    private sealed record Health(string Status, string Store, ScannerHealth Scanner, OutboxHealth Outbox, IReadOnlyList<ConsumerStatus> Webhooks, IReadOnlyList<UnknownTarget> UnknownTargets);
}
