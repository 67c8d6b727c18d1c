using Courier.Core.Sources;
using Courier.Core.Storage;

namespace Courier.Core.Distribution;

/// <summary>A submission committed to the store, with the deliveries this node claimed to push now.</summary>
public sealed record Submission(
    string VideoId,
    int Version,
    bool IsNewVersion,
    IReadOnlyDictionary<string, RenditionContent> Renditions,
    IReadOnlyList<ClaimedDelivery> Claimed);
