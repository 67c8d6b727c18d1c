using System.Text.Json.Serialization;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Reports;

/// <summary>A video's report, as <c>GET /api/videos/{id}</c>, <c>courier status --json</c> and the submit reply show it.</summary>
public sealed record VideoReport(
    string VideoId,
    int Version,
    VideoState State,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DistributedAt,
    IReadOnlyList<RenditionRecord> Renditions,
    IReadOnlyList<DeliveryReport> Deliveries)
{
    /// <summary>
    /// Per target any version of the video was committed for, which version it holds (<c>courier status</c> and
    /// <c>GET /api/videos/{id}</c>); null (left out of the JSON) in the other replies.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TargetVersion>? Targets { get; init; }

    /// <summary>Builds the report of a stored video version; regions come from <paramref name="targets"/> where known.</summary>
    public static VideoReport From(VideoRecord record, TargetRegistry? targets)
    {
        var deliveries = record.Deliveries
            .OrderBy(d => d.Rendition, StringComparer.Ordinal)
            .ThenBy(d => d.Target, StringComparer.Ordinal)
            .Select(d => DeliveryReport.From(d, targets?.Find(d.Target)?.Region))
            .ToList();
        return new VideoReport(record.VideoId, record.Version, Derive(record.Deliveries.Select(d => d.State), record.Action), record.SubmittedAt, record.DistributedAt, record.Renditions, deliveries);
    }

    /// <summary>
    /// A video's state from its deliveries' states: failed when any is dead, partial when any is queued; else, for a
    /// publish, distributed when all are delivered (or removed: a dropped rendition's removal), and for a removal,
    /// removed when all are removed; else distributing
    /// (removing). Superseded deliveries count for neither: a version whose deliveries are all superseded is as its other ones say.
    /// </summary>
    public static VideoState Derive(IEnumerable<DeliveryState> states, DeliveryOperation action = DeliveryOperation.Push)
    {
        var all = states.Where(s => s != DeliveryState.Superseded).ToList();
        // A publish may hold removals too (of renditions it dropped): removed is done for it as well.
        var done = action == DeliveryOperation.Remove ? DeliveryState.Removed : DeliveryState.Delivered;
        if (all.Count > 0 && all.TrueForAll(s => s == done || s == DeliveryState.Removed))
        {
            return action == DeliveryOperation.Remove ? VideoState.Removed : VideoState.Distributed;
        }

        if (all.Contains(DeliveryState.Dead))
        {
            return VideoState.Failed;
        }

        if (all.Contains(DeliveryState.Queued))
        {
            return VideoState.Partial;
        }

        return action == DeliveryOperation.Remove ? VideoState.Removing : VideoState.Distributing;
    }
}

/// <summary>One delivery in a video's report.</summary>
public sealed record DeliveryReport(
    Guid Id,
    string Rendition,
    string Target,
    string? Region,
    DeliveryState State,
    int Attempts,
    string? LastError,
    string? ErrorKind,
    DateTimeOffset? NextAttemptAt,
    long? Bytes,
    long? LastDurationMs,
    DateTimeOffset? DeliveredAt,
    int Version,
    DeliveryOperation Operation)
{
    public static DeliveryReport From(DeliveryView view, string? region) =>
        new(view.Id, view.Rendition, view.Target, region, view.State, view.Attempts, view.LastError, view.ErrorKind, view.NextAttemptAt, view.Bytes, view.LastDurationMs, view.DeliveredAt, view.Version, view.Operation);
}
