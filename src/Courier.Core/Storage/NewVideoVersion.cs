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
    IReadOnlyList<string> Targets)
{
    /// <summary>
    /// Per target, the renditions it takes (<c>Courier:Targets:{Name}:Renditions</c>); a target not named here takes every
    /// rendition. The store adds no delivery of a rendition to a target that does not take it.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>>? TargetRenditions { get; init; }

    /// <summary>
    /// The start of the version's licence window, or null. When it is later than the submission, the store adds its
    /// deliveries <c>scheduled</c>, due at this time, instead of <c>queued</c>.
    /// </summary>
    public DateTimeOffset? AvailableFrom { get; init; }

    /// <summary>The end of the version's licence window (the video is taken down then), or null.</summary>
    public DateTimeOffset? AvailableUntil { get; init; }

    /// <summary>When the ingest that makes this version started (recorded with a new version, for the statistics), or null.</summary>
    public DateTimeOffset? IngestStartedAt { get; init; }

    /// <summary>Whether deliveries added at <paramref name="now"/> wait for the window (scheduled) rather than queue.</summary>
    public bool IsScheduledAt(DateTimeOffset now) => AvailableFrom is { } from && from > now;

    /// <summary>Whether a delivery of <paramref name="rendition"/> to <paramref name="target"/> belongs to this submission.</summary>
    public bool Takes(string target, string rendition) =>
        TargetRenditions?.GetValueOrDefault(target) is not { } taken || taken.Contains(rendition);
}

/// <summary>One rendition of a submission.</summary>
/// <param name="Name">The rendition name (<c>720p</c>).</param>
/// <param name="SourcePath">The path relative to the source root, as submitted.</param>
/// <param name="Kind">A single file or a package directory.</param>
/// <param name="Fingerprint">Identifies the rendition's content (paths, sizes, modification times).</param>
/// <param name="Bytes">Total size.</param>
/// <param name="FileCount">Number of files (1 for a single file).</param>
public sealed record NewRendition(string Name, string SourcePath, RenditionKind Kind, string Fingerprint, long Bytes, int FileCount);
