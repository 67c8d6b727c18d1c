using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Ingest;

/// <summary>
/// Publishes an ingested version's multivariant playlist at a target once every rendition it names is delivered there,
/// and only then, so a player pointed at <c>{videoId}/master.m3u8</c> never meets a missing variant (at a target that takes
/// only some renditions, the playlist names only those); then writes
/// <c>video.available</c> for that target (once). Called after each delivery of an ingested rendition (sync path and
/// scanner alike) and by ingest when its last transcode is done. A rendition is an ingested one when its source lies in
/// an ingest directory (<c>{videoId}/ingest-{n}/{rendition}</c>) whose <c>master.m3u8</c> exists: ingest writes it only
/// once every rung is transcoded.
/// </summary>
public sealed partial class MasterPublisher
{
    private readonly IDeliveryStore _store;
    private readonly TargetRegistry _targets;
    private readonly SourceResolver _sources;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private (string? VideoId, int Version) _recoverAfter;

    public MasterPublisher(IDeliveryStore store, TargetRegistry targets, SourceResolver sources, TimeProvider time, ILogger<MasterPublisher> logger)
    {
        _store = store;
        _targets = targets;
        _sources = sources;
        _time = time;
        _logger = logger;
    }

    /// <summary>The ingest directory of a rendition source (<c>movie-42/ingest-3</c>), or null when it was not ingested.</summary>
    public static string? IngestDirectoryOf(string videoId, string sourcePath)
    {
        var parts = sourcePath.Trim('/').Split('/');
        return parts.Length == 3 && parts[0] == videoId && parts[1].StartsWith(IngestService.DirectoryPrefix, StringComparison.Ordinal)
            && int.TryParse(parts[1].AsSpan(IngestService.DirectoryPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? $"{parts[0]}/{parts[1]}"
            : null;
    }

    /// <summary>After <paramref name="delivery"/> was delivered: publishes when that completed its version at its target. Never throws for a target's failure.</summary>
    public async Task OnDeliveredAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        if (IngestDirectoryOf(delivery.VideoId, delivery.SourcePath) is not { } directory)
        {
            return;
        }

        try
        {
            await PublishAsync(delivery.VideoId, delivery.Version, directory, [delivery.Target], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(delivery.VideoId, delivery.Version, delivery.Target, e.Message);
        }
    }

    /// <summary>
    /// Publishes the playlist of <paramref name="videoId"/> version <paramref name="version"/> (written in
    /// <paramref name="directory"/>, relative to the source root) at each of <paramref name="targets"/> that holds every
    /// variant, when it is still the video's newest version. Returns the targets where it is now published.
    /// </summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string videoId, int version, string directory, IEnumerable<string> targets, CancellationToken cancellationToken)
    {
        var master = Path.Combine(_sources.SourceRoot, directory, MasterPlaylist.FileName);
        if (!File.Exists(master))
        {
            return [];
        }

        var video = await _store.GetVideoAsync(videoId, cancellationToken).ConfigureAwait(false);
        return video is null || video.Version != version ? [] : await PublishAsync(video, master, targets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes what a crash left unpublished: looks at up to <paramref name="limit"/> ingested versions that are not
    /// settled (<see cref="IEventStore.ListPendingAvailableAsync"/>, going on after the last one looked at, so every
    /// pending version gets its turn however many there are), and publishes each one's playlist at the targets that hold
    /// every variant but have no <c>video.available</c> record (a node killed between the last delivery there and the
    /// playlist's PUT, or a target that refused the playlist). A version available at every target it was committed for,
    /// or no longer the video's newest, is settled and not looked at again. Returns how many playlists it published.
    /// </summary>
    public async Task<int> RecoverAsync(int limit, CancellationToken cancellationToken)
    {
        var pending = await _store.ListPendingAvailableAsync(_recoverAfter.VideoId, _recoverAfter.Version, limit, cancellationToken).ConfigureAwait(false);
        _recoverAfter = pending.Count < limit ? (null, 0) : (pending[^1].VideoId, pending[^1].Version);
        var published = 0;
        foreach (var item in pending)
        {
            try
            {
                published += await RecoverAsync(item, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One version that cannot be published now (its playlist unreadable, say) must not hold up the others.
                LogPublishFailed(item.VideoId, item.Version, "(recovery)", e.Message);
            }
        }

        return published;
    }

    private async Task<int> RecoverAsync(PendingAvailable item, CancellationToken cancellationToken)
    {
        var video = await _store.GetVideoAsync(item.VideoId, cancellationToken).ConfigureAwait(false);
        var targets = video?.Deliveries.Where(d => d.Operation == DeliveryOperation.Push).Select(d => d.Target).Distinct(StringComparer.Ordinal).ToList();
        var missing = targets?.Except(item.AvailableAt, StringComparer.Ordinal).ToList() ?? [];
        var directory = video?.Renditions.Select(r => IngestDirectoryOf(item.VideoId, r.SourcePath)).FirstOrDefault(d => d is not null);
        if (video is null || video.Version != item.Version || video.Action != DeliveryOperation.Push || missing.Count == 0 || directory is null)
        {
            // Nothing is left to publish: available everywhere, or superseded by a newer version or a takedown.
            await _store.SettleAvailableAsync(item.VideoId, item.Version, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var ready = missing.Where(t => video.Deliveries.Where(d => d.Target == t && d.Operation == DeliveryOperation.Push).All(d => d.State == DeliveryState.Delivered)).ToList();
        var master = Path.Combine(_sources.SourceRoot, directory, MasterPlaylist.FileName);
        if (ready.Count == 0 || !File.Exists(master))
        {
            return 0; // still being delivered (or transcoded), or waiting for a window: the delivery that completes it publishes
        }

        var done = await PublishAsync(video, master, ready, cancellationToken).ConfigureAwait(false);
        if (done.Count > 0)
        {
            LogRecovered(item.VideoId, item.Version, string.Join(", ", done));
        }

        if (missing.All(done.Contains))
        {
            await _store.SettleAvailableAsync(item.VideoId, item.Version, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        return done.Count;
    }

    private async Task<IReadOnlyList<string>> PublishAsync(VideoRecord video, string master, IEnumerable<string> targets, CancellationToken cancellationToken)
    {
        var (videoId, version) = (video.VideoId, video.Version);
        var variants = MasterPlaylist.VariantNames(master);
        if (variants.Count == 0)
        {
            return [];
        }

        var published = new List<string>();
        foreach (var name in targets.Distinct(StringComparer.Ordinal))
        {
            // A target that takes only some renditions (Courier:Targets:NAME:Renditions) gets a playlist naming only those.
            var taken = variants.Where(v => _targets.Takes(name, v)).ToList();
            var delivered = video.Deliveries.Where(d => d.Target == name && d.State == DeliveryState.Delivered).ToList();
            if (taken.Count == 0 || !taken.All(v => delivered.Exists(d => d.Rendition == v)) || _targets.Find(name) is not { } target)
            {
                continue;
            }

            var key = $"{videoId}/{MasterPlaylist.FileName}";
            try
            {
                var file = taken.Count == variants.Count ? master : MasterPlaylist.WriteFiltered(master, name, taken);
                await target.PutAsync(new ObjectPut(key, file, new FileInfo(file).Length, ContentTypes.For(file)), cancellationToken).ConfigureAwait(false);
            }
            catch (TargetException e)
            {
                LogPublishFailed(videoId, version, name, e.Message);
                continue;
            }

            published.Add(name);
            if (await _store.AddAvailableAsync(delivered.First(d => d.Rendition == taken[0]).Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false))
            {
                LogAvailable(videoId, version, name, key);
            }
        }

        return published;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Available {VideoId} v{Version} at {Target}: every rendition delivered, {Key} published")]
    private partial void LogAvailable(string videoId, int version, string target, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {VideoId} v{Version}: published its multivariant playlist at {Targets}, which a stop had left unpublished")]
    private partial void LogRecovered(string videoId, int version, string targets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the multivariant playlist of {VideoId} v{Version} at {Target} failed: {Error}")]
    private partial void LogPublishFailed(string videoId, int version, string target, string error);
}
