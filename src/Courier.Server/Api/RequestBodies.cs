using Courier.Core.Domain;

namespace Courier.Server.Api;

/// <summary>The body of <c>POST /api/videos</c>: the submission, and whether to wait for the synchronous push.</summary>
/// <param name="VideoId">The caller's video id.</param>
/// <param name="Renditions">Name and path (relative to the source root) of each rendition.</param>
/// <param name="Targets">Target names; left out: every enabled target.</param>
/// <param name="Wait">False: answer 202 once the submission is durable, and push after answering. Default true.</param>
/// <param name="AvailableFrom">The licence window's start (ISO 8601): until then the deliveries wait <c>scheduled</c>.</param>
/// <param name="AvailableUntil">The licence window's end (ISO 8601): then the video is taken down from its targets.</param>
internal sealed record SubmitBody(string? VideoId, List<RenditionRequest?>? Renditions, List<string?>? Targets, bool? Wait, string? AvailableFrom = null, string? AvailableUntil = null);

/// <summary>The body of <c>POST /api/deliveries/retry</c>: which dead deliveries to resubmit.</summary>
/// <param name="Target">Only those to this target.</param>
/// <param name="ErrorKind">Only those that died of this error kind.</param>
internal sealed record RetryBody(string? Target, string? ErrorKind);

/// <summary>The body of <c>POST /api/reconcile</c>: which delivered deliveries to check (left out: all).</summary>
/// <param name="Target">Only those to this target.</param>
/// <param name="VideoId">Only those of this video.</param>
internal sealed record ReconcileBody(string? Target, string? VideoId);

/// <summary>The body of <c>POST /api/ingest</c>.</summary>
/// <param name="VideoId">The caller's video id.</param>
/// <param name="Source">The source video, relative to the source root.</param>
/// <param name="Ladder">The rungs to encode (<c>["360p", "720p"]</c>); left out: <c>Courier:Ingest:Ladder</c>.</param>
/// <param name="Targets">Target names; left out: every enabled target.</param>
/// <param name="AvailableFrom">The licence window's start (ISO 8601): until then the deliveries wait <c>scheduled</c>.</param>
/// <param name="AvailableUntil">The licence window's end (ISO 8601): then the video is taken down from its targets.</param>
internal sealed record IngestBody(string? VideoId, string? Source, List<string?>? Ladder, List<string?>? Targets, string? AvailableFrom = null, string? AvailableUntil = null);
