using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A version of a video and all its deliveries, as stored. <see cref="Action"/> is <see cref="DeliveryOperation.Remove"/> for a takedown version.</summary>
public sealed record VideoRecord(
    string VideoId,
    int Version,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DistributedAt,
    IReadOnlyList<RenditionRecord> Renditions,
    IReadOnlyList<DeliveryView> Deliveries,
    DeliveryOperation Action = DeliveryOperation.Push);

/// <summary>A rendition as stored.</summary>
public sealed record RenditionRecord(string Name, string SourcePath, Domain.RenditionKind Kind, long Bytes, int FileCount);
