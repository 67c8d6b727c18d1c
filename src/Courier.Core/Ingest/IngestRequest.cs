namespace Courier.Core.Ingest;

/// <summary>An ingest as callers send it (CLI or API).</summary>
/// <param name="VideoId">The caller-chosen video id.</param>
/// <param name="Source">The source video, relative to the source root.</param>
/// <param name="Ladder">The rungs to encode (<c>360p</c>, or <c>360p,720p</c>); null or empty: <c>Courier:Ingest:Ladder</c>.</param>
/// <param name="Targets">The target names; null or empty: every enabled target.</param>
public sealed record IngestRequest(string? VideoId, string? Source, IReadOnlyList<string>? Ladder = null, IReadOnlyList<string>? Targets = null)
{
    /// <summary>The start of the licence window (ISO 8601), as <see cref="Domain.SubmitRequest.AvailableFrom"/>.</summary>
    public string? AvailableFrom { get; init; }

    /// <summary>The end of the licence window (ISO 8601), as <see cref="Domain.SubmitRequest.AvailableUntil"/>.</summary>
    public string? AvailableUntil { get; init; }
}
