using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Api;

/// <summary>
/// The failure queue and the dead letters: <c>GET /api/queue</c> (paged), <c>GET /api/queue/groups</c> (counts by target ×
/// error kind × state), <c>GET /api/deliveries/{id}</c>, and a person's resubmission: <c>POST /api/deliveries/{id}/retry</c>
/// and <c>POST /api/deliveries/retry</c> (dead ones, by target and/or error kind).
/// </summary>
internal static class QueueEndpoints
{
    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder mutations)
    {
        app.MapGet("/api/queue", GetQueueAsync);
        app.MapGet("/api/queue/groups", GetGroupsAsync);
        app.MapGet("/api/deliveries/{id}", GetDeliveryAsync);
        mutations.MapPost("/api/deliveries/{id}/retry", RetryOneAsync);
        mutations.MapPost("/api/deliveries/retry", RetryManyAsync);
    }

    private static async Task<IResult> GetQueueAsync(
        DeliveryLedger ledger, string? state, string? target, string? errorKind, int? offset, int? limit, CancellationToken cancellationToken)
    {
        DeliveryState? parsed = null;
        switch (state)
        {
            case null or "":
                break;
            case DeliveryStates.Queued:
                parsed = DeliveryState.Queued;
                break;
            case DeliveryStates.Dead:
                parsed = DeliveryState.Dead;
                break;
            default:
                return Problems.BadInput("state", $"state '{Names.Printable(state)}' must be queued or dead");
        }

        if (offset is < 0)
        {
            return Problems.BadInput("offset", "offset must not be negative");
        }

        if (limit is < 1)
        {
            return Problems.BadInput("limit", "limit must be at least 1");
        }

        var page = await ledger.GetQueueAsync(
            new QueueQuery(parsed, NullIfEmpty(target), NullIfEmpty(errorKind), offset ?? 0, Math.Min(limit ?? 100, ServerDefaults.MaxQueuePage)),
            cancellationToken).ConfigureAwait(false);
        return Results.Json(new { total = page.Total, items = page.Items }, CourierJson.Options);
    }

    private static async Task<IResult> GetGroupsAsync(IDeliveryQueries store, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<(string Target, string? ErrorKind, DeliveryState State), QueueGroup>();
        var seen = 0;
        var total = 0;
        while (seen < ServerDefaults.MaxGroupedItems)
        {
            var page = await store.GetQueueAsync(new QueueQuery(null, null, null, seen, ServerDefaults.MaxQueuePage), cancellationToken).ConfigureAwait(false);
            total = page.Total;
            foreach (var item in page.Items)
            {
                var key = (item.Target, item.ErrorKind, item.State);
                groups[key] = groups.TryGetValue(key, out var group)
                    ? group with
                    {
                        Count = group.Count + 1,
                        Oldest = item.UpdatedAt < group.Oldest ? item.UpdatedAt : group.Oldest,
                        Newest = item.UpdatedAt > group.Newest ? item.UpdatedAt : group.Newest,
                        LastError = item.UpdatedAt > group.Newest ? item.LastError : group.LastError,
                    }
                    : new QueueGroup(item.Target, item.ErrorKind, item.State, 1, item.LastError, item.UpdatedAt, item.UpdatedAt);
            }

            seen += page.Items.Count;
            if (page.Items.Count < ServerDefaults.MaxQueuePage || seen >= total)
            {
                break;
            }
        }

        var ordered = groups.Values
            .OrderBy(g => g.State == DeliveryState.Dead ? 0 : 1)
            .ThenBy(g => g.Target, StringComparer.Ordinal)
            .ThenByDescending(g => g.Count)
            .ToList();
        return Results.Json(new { total, truncated = seen < total, groups = ordered }, CourierJson.Options);
    }

    private static async Task<IResult> GetDeliveryAsync(string id, IDeliveryQueries store, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var deliveryId))
        {
            return Problems.NotFound($"no such delivery: {Names.Printable(id)}");
        }

        var delivery = await store.GetDeliveryAsync(deliveryId, cancellationToken).ConfigureAwait(false);
        return delivery is null ? Problems.NotFound($"no such delivery: {deliveryId}") : Results.Json(delivery, CourierJson.Options);
    }

    private static async Task<IResult> RetryOneAsync(string id, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var deliveryId))
        {
            return Problems.NotFound($"no such delivery: {Names.Printable(id)}");
        }

        var result = (await ledger.RetryDeliveriesAsync([deliveryId], cancellationToken).ConfigureAwait(false)).Single();
        return result.Outcome switch
        {
            RetryOutcome.Requeued => Results.Json(result.Delivery, CourierJson.Options),
            RetryOutcome.NotFound => Problems.NotFound($"no such delivery: {deliveryId}"),
            RetryOutcome.NotRetryable => Problems.Conflict($"delivery {deliveryId} is {result.Delivery!.State.Name()}: only queued or dead deliveries can be retried"),
            _ => Problems.Conflict($"delivery {deliveryId} changed state meanwhile ({result.Delivery?.State.Name() ?? "gone"}); nothing was retried"),
        };
    }

    private static async Task<IResult> RetryManyAsync(HttpRequest request, ApiOptions api, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, api.MaxBodyBytes, new RetryBody(null, null), cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Target is { Length: > 0 } target && Names.Problem(target, "target") is { } targetProblem)
        {
            return Problems.BadInput("target", targetProblem);
        }

        if (body.ErrorKind is { Length: > 200 })
        {
            return Problems.BadInput("errorKind", "errorKind is too long");
        }

        var requeued = await ledger.RetryAsync(null, NullIfEmpty(body.Target), NullIfEmpty(body.ErrorKind), cancellationToken).ConfigureAwait(false);
        return Results.Json(new { requeued = requeued.Count }, CourierJson.Options);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

}

/// <summary>Queued or dead deliveries of one target with one error kind: how many, the latest error, and since when.</summary>
internal sealed record QueueGroup(string Target, string? ErrorKind, DeliveryState State, int Count, string? LastError, DateTimeOffset Oldest, DateTimeOffset Newest);
