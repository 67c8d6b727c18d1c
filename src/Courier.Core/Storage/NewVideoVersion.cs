using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>A submission as the store records it: the video, its renditions, and the targets to deliver them to.</summary>
/// <param name="VideoId">The caller's video id.</param>
/// <param name="Fingerprint">Identifies the content: the same fingerprint again is the same version (idempotent submit).</param>
/// <param name="Renditions">The renditions, as resolved under the source root.</param>
/// <param name="Targets">The target names; one delivery per rendition × target.</param>
public sealed record NewVideoVersion(
    string VideoId,
    string Fingerprint,
    IReadOnlyList<NewRendition> Renditions,
    IReadOnlyList<string> Targets);

/// <summary>One rendition of a submission.</summary>
/// <param name="Name">The rendition name (<c>720p</c>).</param>
/// <param name="SourcePath">The path relative to the source root, as submitted.</param>
/// <param name="Kind">A single file or a package directory.</param>
/// <param name="Fingerprint">Identifies the rendition's content (paths, sizes, modification times).</param>
/// <param name="Bytes">Total size.</param>
/// <param name="FileCount">Number of files (1 for a single file).</param>
public sealed record NewRendition(string Name, string SourcePath, RenditionKind Kind, string Fingerprint, long Bytes, int FileCount);
