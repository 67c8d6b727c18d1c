using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Ingest;

/// <summary>
/// Transcode, then distribute each rendition the moment it exists. The source is probed (not a video: nothing stored),
/// the ladder fitted to it (never upscaling), and the rungs encoded lowest first into
/// <c>{SourceRoot}/{videoId}/ingest-{n}/{rung}/</c>. As soon as a rung is encoded it is submitted for synchronous
/// distribution, under one version key for the whole ingest so that every rung joins one version, and pushed while the
/// next rung is encoding. When every rung is encoded the multivariant playlist is written beside them, and published at
/// each target that holds every rung (<see cref="MasterPublisher"/>; a target that gets its last rung later, through the
/// failure queue, gets it then).
/// </summary>
public sealed partial class IngestService
{
    /// <summary>The name of each ingest's directory under <c>{videoId}/</c>, followed by its number.</summary>
    public const string DirectoryPrefix = "ingest-";

    private const string PartialSuffix = ".partial";

    private readonly ITranscoder _transcoder;
    private readonly Distributor _distributor;
    private readonly SourceResolver _sources;
    private readonly MasterPublisher _masters;
    private readonly IDeliveryQueries _store;
    private readonly TargetRegistry _targets;
    private readonly TimeProvider _time;
    private readonly IngestOptions _options;
    private readonly ILogger _logger;

    public IngestService(ITranscoder transcoder, Distributor distributor, SourceResolver sources, MasterPublisher masters, IDeliveryQueries store, TargetRegistry targets, TimeProvider time, CourierOptions options, ILogger<IngestService> logger)
    {
        _transcoder = transcoder;
        _distributor = distributor;
        _sources = sources;
        _masters = masters;
        _store = store;
        _targets = targets;
        _time = time;
        _options = options.Ingest;
        _logger = logger;
    }

    /// <summary>
    /// Checks the request and probes the source: throws <see cref="BadInputException"/> before anything is written or
    /// stored when the video id, ladder, targets or source are refused, or the source is not a video.
    /// </summary>
    public async Task<IngestPlan> PlanAsync(IngestRequest request, CancellationToken cancellationToken)
    {
        if (Names.Problem(request.VideoId, "videoId") is { } idProblem)
        {
            throw new BadInputException("videoId", idProblem);
        }

        var window = LicenceWindow.Parse(request.AvailableFrom, request.AvailableUntil, _time.GetUtcNow());
        var rungs = Ladder.Parse(request.Ladder, _options.LadderNames, "ladder");
        var targets = _distributor.ValidateTargets(request.Targets);
        RenditionContent source;
        try
        {
            source = _sources.Resolve("source", request.Source ?? string.Empty, "source");
        }
        catch (BadInputException e)
        {
            throw new BadInputException("source", e.Message.Replace("rendition path", "source", StringComparison.Ordinal).Replace("rendition directory", "source", StringComparison.Ordinal));
        }

        if (source.Kind != RenditionKind.File)
        {
            throw new BadInputException("source", $"source '{Names.Printable(request.Source!)}' is a directory; ingest takes one video file");
        }

        var probe = await _transcoder.ProbeAsync(source.Files[0].FullPath, cancellationToken).ConfigureAwait(false);
        var fitted = Ladder.Fit(rungs, probe, "ladder");

        // A rung no target takes (Courier:Targets:NAME:Renditions) is not encoded at all.
        var taken = fitted.Where(r => targets.Exists(t => _targets.Takes(t, r.Name))).ToList();
        if (taken.Count == 0)
        {
            throw new BadInputException("ladder", $"none of the targets takes any of {string.Join(", ", fitted.Select(r => r.Name))} (Courier:Targets:NAME:Renditions)");
        }

        return new IngestPlan(request.VideoId!, source, probe, taken, targets) { Window = window };
    }

    /// <summary>Plans (<see cref="PlanAsync"/>) and runs the ingest.</summary>
    public async Task<IngestReport> IngestAsync(IngestRequest request, IIngestObserver? observer, CancellationToken cancellationToken) =>
        await RunAsync(await PlanAsync(request, cancellationToken).ConfigureAwait(false), observer, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Encodes each rung of <paramref name="plan"/>, submitting and pushing each the moment it is encoded, publishes the
    /// multivariant playlist where every rung is delivered, and reports. A transcode that fails before any rung was
    /// submitted is <see cref="BadInputException"/> (nothing stored, the ingest directory removed); after, it is
    /// <see cref="TranscodeFailedException"/>, once the pushes already started have ended.
    /// </summary>
    public async Task<IngestReport> RunAsync(IngestPlan plan, IIngestObserver? observer, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        observer?.Planned(plan.Rungs);
        var (number, directory) = CreateDirectory(plan.VideoId);
        var versionKey = $"ingest:{number}:{string.Join(',', plan.Rungs.Select(r => r.Name))}:{plan.Source.Fingerprint}{(plan.Window is { } w ? ":" + w.Key : string.Empty)}";
        LogStarted(plan.VideoId, plan.Source.SourcePath, directory, string.Join(',', plan.Rungs.Select(r => r.Name)));
        var pushes = new List<Task<DistributionReport>>();
        var encoded = new List<TranscodedRendition>();
        var renditions = new List<IngestedRendition>();
        int? version = null;
        try
        {
            foreach (var rung in plan.Rungs)
            {
                var started = _time.GetTimestamp();
                var partial = Path.Combine(_sources.SourceRoot, directory, rung.Name + PartialSuffix);
                var final = Path.Combine(_sources.SourceRoot, directory, rung.Name);
                var progress = observer is null ? null : new Progress(observer, rung.Name);
                var transcoded = await _transcoder.TranscodeAsync(plan.Probe, new RenditionPlan(rung, _options.SegmentDuration), partial, progress, cancellationToken).ConfigureAwait(false);
                Directory.Move(partial, final);
                transcoded = transcoded with { Directory = final };
                encoded.Add(transcoded);
                var took = _time.GetElapsedTime(started);
                var transcodedAt = _time.GetUtcNow();
                renditions.Add(new IngestedRendition(rung.Name, transcoded.Width, transcoded.Height, transcodedAt, took.TotalSeconds));
                LogTranscoded(plan.VideoId, rung.Name, took.TotalMilliseconds);

                var submission = await _distributor.SubmitAsync(
                    new SubmitRequest(plan.VideoId, [new RenditionRequest(rung.Name, $"{directory}/{rung.Name}")], plan.Targets)
                    {
                        VersionKey = versionKey,
                        IngestStartedAt = startedAt,
                        AvailableFrom = plan.Window?.From is { } from ? LicenceWindow.Format(from) : null,
                        AvailableUntil = plan.Window?.Until is { } until ? LicenceWindow.Format(until) : null,
                    },
                    cancellationToken).ConfigureAwait(false);
                version = submission.Version;
                var pushObserver = observer?.Submitted(submission);
                pushes.Add(Task.Run(() => _distributor.PushAsync(submission, pushObserver, cancellationToken), CancellationToken.None));
            }
        }
        catch (Exception e) when (e is TranscodeFailedException && version is null)
        {
            RemoveDirectory(directory);
            throw new BadInputException("source", e.Message);
        }
        catch (Exception) when (version is null)
        {
            RemoveDirectory(directory);
            throw;
        }
        finally
        {
            // Pushes already started go on to their end (a failure is in the queue) whatever happened to the transcodes.
            await Task.WhenAll(pushes.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        }

        WriteMaster(directory, encoded);
        foreach (var push in pushes)
        {
            await push.ConfigureAwait(false);
        }

        var available = await _masters.PublishAsync(plan.VideoId, version!.Value, directory, plan.Targets, CancellationToken.None).ConfigureAwait(false);
        var record = await _store.GetVideoVersionAsync(plan.VideoId, version.Value, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"video {plan.VideoId} version {version} vanished from the store");
        var times = Times(record, plan.Targets, t => encoded.Count(r => _targets.Takes(t, r.Name)), startedAt);
        return new IngestReport(VideoReport.From(record, _targets), plan.Source.SourcePath, directory, startedAt, renditions, [.. available.Order(StringComparer.Ordinal)], times);
    }

    /// <summary>Per target, the seconds from the start to the first rendition delivered and to all; recorded as metrics too.</summary>
    private static List<IngestTargetTimes> Times(VideoRecord record, IReadOnlyList<string> targets, Func<string, int> renditionsAt, DateTimeOffset startedAt)
    {
        var times = new List<IngestTargetTimes>();
        foreach (var target in targets.Order(StringComparer.Ordinal))
        {
            var delivered = record.Deliveries.Where(d => d.Target == target && d.State == DeliveryState.Delivered && d.DeliveredAt is not null).Select(d => d.DeliveredAt!.Value).ToList();
            double? first = delivered.Count > 0 ? (delivered.Min() - startedAt).TotalSeconds : null;
            double? all = delivered.Count == renditionsAt(target) ? (delivered.Max() - startedAt).TotalSeconds : null;
            var tag = new KeyValuePair<string, object?>("target", target);
            if (first is { } f)
            {
                Diagnostics.CourierTelemetry.IngestTimeToFirstRendition.Record(f, tag);
            }

            if (all is { } a)
            {
                Diagnostics.CourierTelemetry.IngestTimeToAvailable.Record(a, tag);
            }

            times.Add(new IngestTargetTimes(target, first, all));
        }

        return times;
    }

    /// <summary>Makes the next <c>{videoId}/ingest-{n}</c> (claimed with a marker file, so two ingests never share one).</summary>
    private (int Number, string Relative) CreateDirectory(string videoId)
    {
        var parent = Path.Combine(_sources.SourceRoot, videoId);
        Directory.CreateDirectory(parent);
        var number = Directory.EnumerateDirectories(parent, DirectoryPrefix + "*")
            .Select(d => int.TryParse(Path.GetFileName(d).AsSpan(DirectoryPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
        while (true)
        {
            number++;
            var directory = Path.Combine(parent, DirectoryPrefix + number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(directory);
            try
            {
                using (new FileStream(Path.Combine(directory, ".ingest"), FileMode.CreateNew, FileAccess.Write))
                {
                }

                return (number, $"{videoId}/{Path.GetFileName(directory)}");
            }
            catch (IOException) when (File.Exists(Path.Combine(directory, ".ingest")))
            {
                // Another ingest of this video took this number meanwhile.
            }
        }
    }

    private void RemoveDirectory(string relative)
    {
        try
        {
            var full = Path.Combine(_sources.SourceRoot, relative);
            Directory.Delete(full, recursive: true);
            var parent = Path.GetDirectoryName(full)!;
            if (!Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes <c>master.m3u8</c> beside the renditions, whole (temp name, then rename): its presence says every rung is encoded.</summary>
    private void WriteMaster(string directory, IReadOnlyList<TranscodedRendition> encoded)
    {
        var path = Path.Combine(_sources.SourceRoot, directory, MasterPlaylist.FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, MasterPlaylist.Build(encoded));
        File.Move(temp, path, overwrite: true);
    }

    private sealed class Progress(IIngestObserver observer, string rendition) : IProgress<double>
    {
        public void Report(double value) => observer.Transcoding(rendition, value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingesting {VideoId} from {Source} into {Directory}: {Ladder}")]
    private partial void LogStarted(string videoId, string source, string directory, string ladder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transcoded {VideoId}/{Rendition} in {DurationMs:0} ms; distributing it now")]
    private partial void LogTranscoded(string videoId, string rendition, double durationMs);
}
