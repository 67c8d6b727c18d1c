using Courier.Core.Domain;

namespace Courier.Core.Sources;

/// <summary>
/// What a rendition consists of, resolved under the source root. <see cref="Files"/> is in push order:
/// segments first, then playlists/manifests, and playlists that name other playlists last.
/// </summary>
public sealed record RenditionContent(
    string Name,
    RenditionKind Kind,
    string SourcePath,
    IReadOnlyList<SourceFile> Files,
    long TotalBytes,
    string Fingerprint);
