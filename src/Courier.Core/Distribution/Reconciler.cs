using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The reconcile pass: checks what each target really holds (size, and SHA-256 under full verification) for every
/// <c>delivered</c> delivery of the newest version delivered there (an older version's delivery that a newer delivered
/// one replaces is not compared: its content is meant to be gone), and re-queues
/// (<see cref="IDeliveryQueue.ReopenDeliveredAsync"/>, error kind <c>drifted</c>) those whose files are missing or wrong,
/// so the ledger never silently disagrees with the targets. A video taken down from a target that still holds files of
/// it there is reported, and those files are removed again (each proven gone).
/// A target that cannot be asked is reported, and nothing is re-queued for it.
/// </summary>
public sealed partial class Reconciler
{
    private const int PageSize = 200;
    private readonly IDeliveryStore _store;
    private readonly TargetRegistry _targets;
    private readonly SourceResolver _sources;
    private readonly ScanSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<Reconciler> _logger;

    public Reconciler(IDeliveryStore store, TargetRegistry targets, SourceResolver sources, ScanSignal signal, TimeProvider time, ILogger<Reconciler> logger)
    {
        _store = store;
        _targets = targets;
        _sources = sources;
        _signal = signal;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Checks every delivered delivery (of <paramref name="target"/> and/or <paramref name="videoId"/> when given).
    /// Throws <see cref="BadInputException"/> for a target that is not configured.
    /// </summary>
    public async Task<ReconcileResult> RunOnceAsync(string? target, string? videoId, CancellationToken cancellationToken)
    {
        if (target is not null && _targets.Find(target) is null)
        {
            throw new BadInputException("target", $"unknown target '{Names.Printable(target)}'");
        }

        var findings = new List<ReconcileFinding>();
        var videos = new Dictionary<string, VideoAtTargets>(StringComparer.Ordinal);
        var removalsChecked = new HashSet<(string VideoId, string Rendition, string Target)>();
        int checkedCount = 0, healthy = 0, reopened = 0, offset = 0;
        while (true)
        {
            var page = await _store.ListDeliveredAsync(target, videoId, offset, PageSize, cancellationToken).ConfigureAwait(false);
            var reopenedInPage = 0;
            foreach (var delivery in page)
            {
                if (!videos.TryGetValue(delivery.VideoId, out var video))
                {
                    video = await VideoAtTargetsAsync(delivery.VideoId, cancellationToken).ConfigureAwait(false);
                    videos[delivery.VideoId] = video;
                }

                if (video.Removed.TryGetValue(delivery.Target, out var removal))
                {
                    if (removalsChecked.Add((delivery.VideoId, delivery.Rendition, delivery.Target)))
                    {
                        checkedCount++;
                        var leftovers = await CheckRemovedAsync(delivery, removal, cancellationToken).ConfigureAwait(false);
                        healthy += leftovers.Count == 0 ? 1 : 0;
                        findings.AddRange(leftovers);
                    }

                    continue;
                }

                if (video.IsReplaced(delivery))
                {
                    continue;
                }

                checkedCount++;
                var problems = await CheckAsync(delivery, cancellationToken).ConfigureAwait(false);
                if (problems.Count == 0)
                {
                    healthy++;
                    continue;
                }

                var drift = problems.FirstOrDefault(p => p.Drifted);
                var wasReopened = drift is not null
                    && await _store.ReopenDeliveredAsync(delivery.Id, drift.Text, ErrorKinds.Drifted, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (wasReopened)
                {
                    reopened++;
                    reopenedInPage++;
                    Log.Reopened(_logger, delivery.Id, delivery.Target, drift!.Text);
                }

                findings.AddRange(problems.Select(p => new ReconcileFinding(delivery.Id, delivery.VideoId, delivery.Version, delivery.Rendition, delivery.Target, p.Key, p.Text, wasReopened && p.Drifted)));
            }

            if (page.Count < PageSize)
            {
                break;
            }

            // A re-queued delivery leaves the delivered set: the next page starts that much earlier.
            offset += page.Count - reopenedInPage;
        }

        if (reopened > 0)
        {
            _signal.Wake();
        }

        return new ReconcileResult(checkedCount, healthy, reopened, findings);
    }

    /// <summary>
    /// What a video's deliveries say per target: the version live there, the newest delivered version of each
    /// rendition there, and the targets it was taken down from (with the removal's version).
    /// </summary>
    private sealed record VideoAtTargets(IReadOnlyDictionary<string, int> Live, IReadOnlyDictionary<(string Rendition, string Target), int> NewestDelivered, IReadOnlyDictionary<string, int> Removed)
    {
        /// <summary>A newer version is delivered at the delivery's target (live there, or of the same rendition): its content replaced this one's.</summary>
        public bool IsReplaced(ClaimedDelivery delivery) =>
            (Live.TryGetValue(delivery.Target, out var live) && live > delivery.Version)
            || (NewestDelivered.TryGetValue((delivery.Rendition, delivery.Target), out var newest) && newest > delivery.Version);
    }

    private async Task<VideoAtTargets> VideoAtTargetsAsync(string videoId, CancellationToken cancellationToken)
    {
        var held = await _store.GetTargetVersionsAsync(videoId, cancellationToken).ConfigureAwait(false);
        var live = held.Where(t => t.LiveVersion is not null).ToDictionary(t => t.Target, t => t.LiveVersion!.Value, StringComparer.Ordinal);
        var removed = new Dictionary<string, int>(StringComparer.Ordinal);
        if (held.Any(t => t.Removed) && await _store.GetVideoAsync(videoId, cancellationToken).ConfigureAwait(false) is { Action: DeliveryOperation.Remove } newest)
        {
            foreach (var t in held.Where(t => t.Removed))
            {
                removed[t.Target] = newest.Version;
            }
        }

        var newestDelivered = new Dictionary<(string, string), int>();
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await _store.ListDeliveredAsync(null, videoId, offset, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var delivery in page.Where(d => d.Operation == DeliveryOperation.Push))
            {
                var key = (delivery.Rendition, delivery.Target);
                newestDelivered[key] = Math.Max(newestDelivered.GetValueOrDefault(key), delivery.Version);
            }

            if (page.Count < PageSize)
            {
                break;
            }
        }

        return new VideoAtTargets(live, newestDelivered, removed);
    }

    /// <summary>
    /// A video taken down from the delivery's target: every key of the rendition Courier recorded there, and of its
    /// source as it stands, must answer "not found". What is still there is reported and removed again, in removal order,
    /// each proven gone.
    /// </summary>
    private async Task<IReadOnlyList<ReconcileFinding>> CheckRemovedAsync(ClaimedDelivery delivery, int removalVersion, CancellationToken cancellationToken)
    {
        ReconcileFinding Finding(string? key, string text) =>
            new(delivery.Id, delivery.VideoId, removalVersion, delivery.Rendition, delivery.Target, key, text, false);

        var target = _targets.Find(delivery.Target);
        if (target is null)
        {
            return [Finding(null, $"could not check: target {delivery.Target} is not configured")];
        }

        var recorded = await _store.GetFilesAsync(delivery.VideoId, delivery.Rendition, delivery.Target, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var keys = recorded.Select(f => f.Key).ToList();
        try
        {
            var source = _sources.Reopen(delivery.Rendition, delivery.SourcePath);
            keys.AddRange(source.Files.Select(f => RenditionPusher.KeyOf(delivery.VideoId, delivery.Rendition, f.RelativePath)));
        }
        catch (SourceMissingException)
        {
            if (delivery.Kind == RenditionKind.File)
            {
                keys.Add(RenditionPusher.KeyOf(delivery.VideoId, delivery.Rendition, Path.GetFileName(delivery.SourcePath)));
            }
        }

        var findings = new List<ReconcileFinding>();
        try
        {
            foreach (var key in RemovalOrder.Sort(keys))
            {
                if (await target.ProveAbsentAsync(key, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                await target.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                var gone = await target.ProveAbsentAsync(key, cancellationToken).ConfigureAwait(false);
                var text = $"{key} is at {target.Name} although {delivery.VideoId} was removed from it (v{removalVersion}); {(gone ? "removed again" : "deleted again, but still served")}";
                Log.FoundAfterRemoval(_logger, delivery.VideoId, key, delivery.Target, gone);
                findings.Add(Finding(key, text));
            }
        }
        catch (TargetException e)
        {
            findings.Add(Finding(null, $"could not check or remove {delivery.VideoId}/{delivery.Rendition} at {delivery.Target} again: {e.Message}"));
        }

        return findings;
    }

    /// <summary>A problem with one file (or the whole delivery when <see cref="Key"/> is null); <see cref="Drifted"/> when it is worth re-queuing.</summary>
    private sealed record Problem(string? Key, string Text, bool Drifted);

    private async Task<IReadOnlyList<Problem>> CheckAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        var target = _targets.Find(delivery.Target);
        if (target is null)
        {
            return [new Problem(null, $"could not check: target {delivery.Target} is not configured", false)];
        }

        RenditionContent? content = null;
        try
        {
            content = _sources.Reopen(delivery.Rendition, delivery.SourcePath);
        }
        catch (SourceMissingException)
        {
            // Without the source there is nothing to hash: only existence and the recorded size can be checked.
        }

        try
        {
            return content is null
                ? await CheckWithoutSourceAsync(target, delivery, cancellationToken).ConfigureAwait(false)
                : await CheckFilesAsync(target, delivery, content, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetException e)
        {
            return [new Problem(null, $"could not check {delivery.Target}: {e.Message}", false)];
        }
    }

    private static async Task<IReadOnlyList<Problem>> CheckFilesAsync(ITarget target, ClaimedDelivery delivery, RenditionContent content, CancellationToken cancellationToken)
    {
        var full = target.Verify == VerifyMode.Full;
        var problems = new List<Problem>();
        foreach (var file in content.Files)
        {
            var key = RenditionPusher.KeyOf(delivery.VideoId, delivery.Rendition, file.RelativePath);
            var held = await target.StatAsync(key, full, cancellationToken).ConfigureAwait(false);
            if (held is null)
            {
                problems.Add(new Problem(key, $"{key} is missing at {target.Name}", true));
            }
            else if (held.Length != file.Length)
            {
                problems.Add(new Problem(key, $"{key} at {target.Name} holds {held.Length} bytes, the source {file.Length}", true));
            }
            else if (full && held.Sha256 is { } heldSha)
            {
                var sourceSha = await HashAsync(file, cancellationToken).ConfigureAwait(false);
                if (sourceSha is not null && !string.Equals(heldSha, sourceSha, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add(new Problem(key, $"{key} at {target.Name} has SHA-256 {heldSha}, the source {sourceSha}", true));
                }
            }
        }

        return problems;
    }

    private async Task<IReadOnlyList<Problem>> CheckWithoutSourceAsync(ITarget target, ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Kind != RenditionKind.File)
        {
            return [new Problem(null, $"could not check: the source of package {delivery.Rendition} is gone, so its files cannot be listed", false)];
        }

        var key = RenditionPusher.KeyOf(delivery.VideoId, delivery.Rendition, Path.GetFileName(delivery.SourcePath));
        var held = await target.StatAsync(key, false, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            // Re-queued all the same: the retry records the missing source as its failure, so the ledger tells the truth.
            return [new Problem(key, $"{key} is missing at {target.Name} (source gone: checked existence only)", true)];
        }

        var recorded = (await _store.GetDeliveryAsync(delivery.Id, cancellationToken).ConfigureAwait(false))?.Bytes;
        if (recorded is { } bytes && held.Length != bytes)
        {
            return [new Problem(key, $"{key} at {target.Name} holds {held.Length} bytes, the ledger {bytes} (source gone: checksum not compared)", true)];
        }

        return [];
    }

    private static async Task<string?> HashAsync(SourceFile file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var (_, sha) = await ContentHash.Sha256Async(stream, null, cancellationToken).ConfigureAwait(false);
            return sha;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "reconcile re-queued delivery {DeliveryId} to {Target}: {Problem}")]
        public static partial void Reopened(ILogger logger, Guid deliveryId, string target, string problem);

        [LoggerMessage(Level = LogLevel.Warning, Message = "reconcile found {Key} of removed video {VideoId} at {Target}; removed again: {Gone}")]
        public static partial void FoundAfterRemoval(ILogger logger, string videoId, string key, string target, bool gone);
    }
}

/// <summary>What a reconcile pass found: deliveries checked, found healthy, and re-queued.</summary>
public sealed record ReconcileResult(int Checked, int Healthy, int Reopened, IReadOnlyList<ReconcileFinding> Findings);

/// <summary>One problem with one delivery: its file <see cref="Key"/> (when known), what is wrong, and whether it was re-queued.</summary>
public sealed record ReconcileFinding(Guid DeliveryId, string VideoId, int Version, string Rendition, string Target, string? Key, string Problem, bool Reopened);
