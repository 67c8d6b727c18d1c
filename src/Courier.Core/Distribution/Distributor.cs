using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Distribution;

/// <summary>
/// The synchronous path. A submission is validated whole (nothing is stored when any part is refused), committed to the
/// store with its deliveries claimed by this node, and only then pushed, to every target at once; the caller gets the
/// full report. What failed is already in the failure queue, for the scanner.
/// </summary>
public sealed class Distributor
{
    private readonly IDeliveryStore _store;
    private readonly TargetRegistry _targets;
    private readonly SourceResolver _sources;
    private readonly DeliveryRunner _runner;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly DistributionOptions _options;

    /// <summary>The most rounds one run makes: the claimed deliveries, then what their delivery unblocked (the removals of dropped renditions).</summary>
    private const int MaxRounds = 4;

    public Distributor(IDeliveryStore store, TargetRegistry targets, SourceResolver sources, DeliveryRunner runner, NodeIdentity node, TimeProvider time, CourierOptions options)
    {
        _store = store;
        _targets = targets;
        _sources = sources;
        _runner = runner;
        _node = node;
        _time = time;
        _options = options.Distribution;
    }

    /// <summary>
    /// Validates, commits, pushes and reports: the whole synchronous path, as <c>courier distribute</c>,
    /// <c>POST /api/videos</c> and the tests take it. <paramref name="observer"/> hears of the committed submission
    /// (<see cref="IDistributionObserver.Submitted"/>) before the pushes start, then of each push. Throws
    /// <see cref="BadInputException"/> (nothing stored) when any part of the request is refused.
    /// </summary>
    public async Task<DistributionReport> DistributeAsync(SubmitRequest request, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        var submission = await SubmitAsync(request, cancellationToken).ConfigureAwait(false);
        observer?.Submitted(submission);
        return await PushAsync(submission, observer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Validates the request and commits it durably, claiming the deliveries to push. Throws
    /// <see cref="BadInputException"/> (nothing stored) when any part is refused.
    /// </summary>
    public async Task<Submission> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken)
    {
        var (videoId, renditions, targets) = Validate(request);
        var now = _time.GetUtcNow();
        var window = LicenceWindow.Parse(request.AvailableFrom, request.AvailableUntil, now);
        var newRenditions = renditions.Values
            .Select(r => new NewRendition(r.Name, r.SourcePath, r.Kind, r.Fingerprint, r.TotalBytes, r.Files.Count))
            .ToList();

        // Another window is another version: the same content under new licence terms is committed (and scheduled) anew.
        var fingerprint = request.VersionKey ?? VideoFingerprint(renditions.Values, window);
        var version = new NewVideoVersion(videoId, fingerprint, newRenditions, targets)
        {
            TargetRenditions = TargetRenditions(targets),
            AvailableFrom = window?.From,
            AvailableUntil = window?.Until,
            IngestStartedAt = request.IngestStartedAt,
        };
        if (!targets.Exists(t => newRenditions.Exists(r => version.Takes(t, r.Name))))
        {
            var limits = string.Join("; ", targets.Select(t => $"{t} takes {string.Join(", ", _targets.RenditionsOf(t)!.Order(StringComparer.Ordinal))}"));
            throw new BadInputException("renditions", $"no target takes any of these renditions ({limits}: Courier:Targets:NAME:Renditions)");
        }

        var result = await _store.SubmitAsync(version, _node.Id, now, cancellationToken).ConfigureAwait(false);
        _runner.Hold(result.Claimed);
        return new Submission(videoId, result.Version, result.IsNewVersion, renditions, result.Claimed);
    }

    /// <summary>
    /// Takes a video down from <paramref name="targets"/> (default: every configured target any version of it was committed
    /// for): validates, then commits the removal durably, claiming its removals for this node; run them with
    /// <see cref="PushAsync"/>. Returns null when there is no such video. Throws <see cref="BadInputException"/> (nothing
    /// stored) for a bad id or an unknown target.
    /// </summary>
    public async Task<Submission?> RemoveAsync(string? videoId, IReadOnlyList<string>? targets, CancellationToken cancellationToken)
    {
        if (Names.Problem(videoId, "videoId") is { } idProblem)
        {
            throw new BadInputException("videoId", idProblem);
        }

        List<string> names;
        if (targets is { Count: > 0 })
        {
            names = ValidateTargets(targets);
        }
        else
        {
            var held = await _store.GetTargetVersionsAsync(videoId!, cancellationToken).ConfigureAwait(false);
            if (held.Count == 0)
            {
                return null;
            }

            names = held.Select(t => t.Target).Where(t => _targets.Find(t) is not null).Order(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                throw new BadInputException("targets", $"none of the targets video {videoId} was sent to is configured any more ({string.Join(", ", held.Select(t => t.Target))}): name the ones to remove it from");
            }
        }

        var result = await _store.RemoveAsync(videoId!, names, _node.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _runner.Hold(result?.Claimed ?? []);
        return result is null ? null : new Submission(videoId!, result.Version, result.IsNewVersion, new Dictionary<string, RenditionContent>(), result.Claimed);
    }

    /// <summary>
    /// Runs the claimed deliveries of a submission or removal (several at once: pushes, or removals) and reports the video
    /// version as it then stands.
    /// </summary>
    public async Task<DistributionReport> PushAsync(Submission submission, IDistributionObserver? observer, CancellationToken cancellationToken)
    {
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.submission");
        activity?.SetTag("courier.video_id", submission.VideoId);
        activity?.SetTag("courier.version", submission.Version);
        activity?.SetTag("courier.deliveries", submission.Claimed.Count);
        var results = new System.Collections.Concurrent.ConcurrentBag<DeliveryResult>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency };

        // The first version of a video the ledger never knew, claimed in the transaction that created it: nothing of it
        // was ever pushed anywhere (the ledger never forgets a video), so no target holds a file under its keys.
        var nothingPushedYet = submission.IsNewVersion && submission.Version == 1;
        var round = submission.Claimed;
        if (round.Count > 0)
        {
            await _runner.AdoptSharedCircuitsAsync(round.Select(d => d.Target).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        }

        for (var rounds = 0; round.Count > 0 && rounds < MaxRounds; rounds++)
        {
            var roundResults = new System.Collections.Concurrent.ConcurrentBag<DeliveryResult>();
            await Parallel.ForEachAsync(round, parallel, async (delivery, _) =>
            {
                var content = submission.Renditions.GetValueOrDefault(delivery.Rendition);
                roundResults.Add(await _runner.RunAsync(delivery, Domain.AttemptMode.Sync, content, nothingPushedYet, observer, cancellationToken).ConfigureAwait(false));
            }).ConfigureAwait(false);
            foreach (var result in roundResults)
            {
                results.Add(result);
            }

            // A push delivered may have completed the version at its target: the removals of the renditions it dropped,
            // held by the claim rules until then, run now rather than wait for the scanner (so distribute ends with them).
            var completedAt = roundResults.Where(r => r is { State: DeliveryState.Delivered, Accepted: true }).Select(r => r.Target).Distinct(StringComparer.Ordinal).ToList();
            if (completedAt.Count == 0 || cancellationToken.IsCancellationRequested)
            {
                break;
            }

            round = await _store.ClaimVersionAsync(submission.VideoId, submission.Version, completedAt, _node.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            _runner.Hold(round);
            nothingPushedYet = false;
        }

        var record = await _store.GetVideoVersionAsync(submission.VideoId, submission.Version, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"video {submission.VideoId} version {submission.Version} vanished from the store");
        var report = new DistributionReport(VideoReport.From(record, _targets), results.ToList());
        activity?.SetTag("courier.outcome", report.Video.State.ToString().ToLowerInvariant());
        return report;
    }

    /// <summary>The renditions each of <paramref name="targets"/> is limited to, for those that have a limit.</summary>
    private Dictionary<string, IReadOnlyCollection<string>> TargetRenditions(IEnumerable<string> targets)
    {
        var limits = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            if (_targets.RenditionsOf(target) is { } taken)
            {
                limits[target] = taken;
            }
        }

        return limits;
    }

    private (string VideoId, Dictionary<string, RenditionContent> Renditions, List<string> Targets) Validate(SubmitRequest request)
    {
        if (Names.Problem(request.VideoId, "videoId") is { } idProblem)
        {
            throw new BadInputException("videoId", idProblem);
        }

        if (request.Renditions is null || request.Renditions.Count == 0)
        {
            throw new BadInputException("renditions", "at least one rendition is required");
        }

        if (request.Renditions.Count > _options.MaxRenditions)
        {
            throw new BadInputException("renditions", $"{request.Renditions.Count} renditions is more than the {_options.MaxRenditions} allowed in one submission (Courier:Distribution:MaxRenditions)");
        }

        var targets = ValidateTargets(request.Targets);
        var renditions = new Dictionary<string, RenditionContent>(StringComparer.Ordinal);
        for (var i = 0; i < request.Renditions.Count; i++)
        {
            var rendition = request.Renditions[i] ?? throw new BadInputException($"renditions[{i}]", $"renditions[{i}] must be an object with name and path");
            if (Names.Problem(rendition.Name, $"renditions[{i}].name") is { } nameProblem)
            {
                throw new BadInputException($"renditions[{i}].name", nameProblem);
            }

            if (renditions.ContainsKey(rendition.Name!))
            {
                throw new BadInputException($"renditions[{i}].name", $"rendition '{rendition.Name}' is given twice");
            }

            var field = $"renditions[{i}].path";
            try
            {
                renditions[rendition.Name!] = _sources.Resolve(rendition.Name!, rendition.Path ?? string.Empty, field);
            }
            catch (BadInputException e)
            {
                throw new BadInputException(field, $"{field}: {e.Message}");
            }
        }

        return (request.VideoId!, renditions, targets);
    }

    /// <summary>
    /// The targets a submission goes to: the ones named, checked, without repeats, or every enabled target. Throws
    /// <see cref="BadInputException"/> (field <c>targets[i]</c>) for a target that is not configured.
    /// </summary>
    public List<string> ValidateTargets(IReadOnlyList<string>? requested)
    {
        if (requested is null || requested.Count == 0)
        {
            var enabled = _targets.EnabledNames.ToList();
            if (enabled.Count == 0)
            {
                throw new BadInputException("targets", "no targets are configured: add one under Courier:Targets in courier.json, e.g. \"archive\": { \"Kind\": \"filesystem\", \"Root\": \"./targets/archive\" }");
            }

            return enabled;
        }

        var targets = new List<string>();
        for (var i = 0; i < requested.Count; i++)
        {
            var name = requested[i];
            if (string.IsNullOrEmpty(name) || _targets.Find(name) is null)
            {
                var known = string.Join(", ", _targets.All.Select(t => t.Name).Order(StringComparer.Ordinal));
                throw new BadInputException($"targets[{i}]", $"unknown target '{Names.Printable(name ?? string.Empty)}' (configured: {(known.Length == 0 ? "none" : known)})");
            }

            if (!targets.Contains(name, StringComparer.Ordinal))
            {
                targets.Add(name);
            }
        }

        return targets;
    }

    private static string VideoFingerprint(IEnumerable<RenditionContent> renditions, LicenceWindow? window)
    {
        var lines = string.Concat(renditions.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => $"{r.Name}\t{r.SourcePath}\t{r.Fingerprint}\n"));
        if (window is not null)
        {
            lines += window.Key + "\n";
        }

        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines)));
    }
}
