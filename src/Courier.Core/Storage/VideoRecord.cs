namespace Courier.Core.Storage;

/// <summary>A version of a video and all its deliveries, as stored.</summary>
public sealed record VideoRecord(
    string VideoId,
    int Version,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DistributedAt,
    IReadOnlyList<RenditionRecord> Renditions,
    IReadOnlyList<DeliveryView> Deliveries);

/// <summary>A rendition as stored.</summary>
public sealed record RenditionRecord(string Name, string SourcePath, Domain.RenditionKind Kind, long Bytes, int FileCount);
