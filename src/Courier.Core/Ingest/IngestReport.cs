using Courier.Core.Reports;

namespace Courier.Core.Ingest;

/// <summary>What an ingest did: the video's report as it stands, each rendition encoded, and where the version is available.</summary>
/// <param name="Video">The version's report (its deliveries), as <c>GET /api/videos/{id}</c> shows it.</param>
/// <param name="Source">The source, relative to the source root.</param>
/// <param name="Directory">Where the renditions were written, relative to the source root (<c>movie-42/ingest-1</c>).</param>
/// <param name="StartedAt">When the ingest started.</param>
/// <param name="Renditions">Each rendition encoded, lowest first.</param>
/// <param name="AvailableAt">The targets where every rendition is delivered and <c>{videoId}/master.m3u8</c> is published.</param>
/// <param name="Targets">Per target, the seconds from <paramref name="StartedAt"/> to its first rendition delivered and to all of them.</param>
public sealed record IngestReport(VideoReport Video, string Source, string Directory, DateTimeOffset StartedAt, IReadOnlyList<IngestedRendition> Renditions, IReadOnlyList<string> AvailableAt, IReadOnlyList<IngestTargetTimes> Targets);

/// <summary>How soon an ingest reached one target.</summary>
/// <param name="Target">The target.</param>
/// <param name="FirstRenditionSeconds">From ingest start to its first rendition delivered there; null when none is yet.</param>
/// <param name="AllRenditionsSeconds">From ingest start to every rendition delivered there; null until they all are.</param>
public sealed record IngestTargetTimes(string Target, double? FirstRenditionSeconds, double? AllRenditionsSeconds);

/// <summary>One rendition an ingest encoded.</summary>
/// <param name="Name">The rendition name.</param>
/// <param name="Width">The encoded width.</param>
/// <param name="Height">The encoded height.</param>
/// <param name="TranscodedAt">When its transcode finished (and its submission began).</param>
/// <param name="TranscodeSeconds">How long its transcode took.</param>
public sealed record IngestedRendition(string Name, int Width, int Height, DateTimeOffset TranscodedAt, double TranscodeSeconds);
