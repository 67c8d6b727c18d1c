namespace Courier.Core.Domain;

/// <summary>A submission as callers send it (CLI or API): the video, its renditions, and optionally the targets.</summary>
/// <param name="VideoId">The caller-chosen video id.</param>
/// <param name="Renditions">The renditions: name and path relative to the source root (a directory is a package).</param>
/// <param name="Targets">The target names; null or empty: every enabled target.</param>
public sealed record SubmitRequest(string? VideoId, IReadOnlyList<RenditionRequest>? Renditions, IReadOnlyList<string>? Targets = null)
{
    /// <summary>
    /// Names the version instead of the renditions' content: submissions with the same key add their renditions to one
    /// version. Ingest submits each rendition the moment it is transcoded, all under one key. Null (callers of the API and
    /// <c>distribute</c>): the version is named by the content.
    /// </summary>
    public string? VersionKey { get; init; }

    /// <summary>When the ingest submitting this started (set by ingest, for its statistics); null for other callers.</summary>
    public DateTimeOffset? IngestStartedAt { get; init; }

    /// <summary>The start of the licence window (ISO 8601): before it, deliveries wait <c>scheduled</c>. Null: at once.</summary>
    public string? AvailableFrom { get; init; }

    /// <summary>The end of the licence window (ISO 8601): then the video is taken down from its targets. Null: never.</summary>
    public string? AvailableUntil { get; init; }
}

/// <summary>One rendition of a submission.</summary>
public sealed record RenditionRequest(string? Name, string? Path);
