using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Courier.Core.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Distribution;

/// <summary>
/// Pushes the files of one rendition to one target: segments first (several at once), then playlists in order, so a
/// player never sees a playlist naming a missing file. A file the target already holds with the same size (and, under
/// full verification, the same SHA-256) is not sent again. Transient failures of one file get a few quick retries.
/// Small files (segments) go many at once, large ones a few at once.
/// </summary>
internal sealed class RenditionPusher
{
    /// <summary>Files in flight at once when they are small: each costs round trips more than bandwidth.</summary>
    internal const int SmallFileConcurrency = 16;

    /// <summary>Files in flight at once when they are large: bandwidth-bound, more at once only thrashes the disk.</summary>
    internal const int LargeFileConcurrency = 4;

    /// <summary>The mean size up to which a rendition's media files count as small.</summary>
    internal const long SmallFileBytes = 4L << 20;
    private static readonly TimeSpan MaxQuickRetryAfter = TimeSpan.FromSeconds(5);
    private readonly RetryPolicy _policy;
    private readonly TimeProvider _time;

    public RenditionPusher(RetryPolicy policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
    }

    /// <summary>The object key of a file of a rendition: <c>{videoId}/{rendition}/{relative path}</c>.</summary>
    public static string KeyOf(string videoId, string rendition, string relativePath) => $"{videoId}/{rendition}/{relativePath}";

    /// <summary>
    /// Pushes every file of <paramref name="content"/>. With <paramref name="nothingPushedYet"/> (the ledger proves that
    /// Courier never pushed a file under this video's keys) no file is looked up first, and the segments of a package,
    /// which no player can reach until a playlist names them, may be written straight to their final names
    /// (<see cref="ObjectPut.InPlace"/>); playlists always go through the target's atomic path. With
    /// <paramref name="lookUpFirst"/> false (no earlier try of this delivery sent a byte, and no older version pushed this
    /// rendition there) no file is looked up first either: whatever the target holds is overwritten through the atomic
    /// path, which is correct for any content and costs a round trip less per file than asking first.
    /// </summary>
    /// <remarks>
    /// <paramref name="olderKeys"/>: the keys older versions of the rendition recorded at the target. Under size-only
    /// verification a file held there with the same size is another version's content as often as not (a rollback, a
    /// constant-bitrate re-encode), so those keys are always sent again.
    /// </remarks>
    /// <remarks>
    /// <paramref name="verified"/>: the files earlier attempts of this same delivery verified at the target and recorded; one
    /// of the same size is taken as held without reading it back again. <paramref name="files"/> collects every file this
    /// push has in place and verified, as it goes, so that a push that fails part-way still tells which files it got through
    /// (its progress). A transient failure of one file does not stop the others; the first failure is thrown once they are
    /// done, and no playlist is pushed after it. A permanent failure stops the push at once.
    /// </remarks>
    public async Task<RenditionPushed> PushAsync(ITarget target, ClaimedDelivery delivery, RenditionContent content, bool nothingPushedYet, bool lookUpFirst, IReadOnlySet<string> olderKeys, IReadOnlyDictionary<string, DeliveredFile> verified, ConcurrentDictionary<string, DeliveredFile> files, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        var digests = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        long sent = 0;
        var skipped = 0;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async ValueTask PushFileAsync(SourceFile file, CancellationToken token)
        {
            watchdog.Touch();
            var key = KeyOf(delivery.VideoId, delivery.Rendition, file.RelativePath);
            (long Bytes, string Sha256) pushed;
            if (verified.TryGetValue(key, out var earlier) && earlier.Bytes == file.Length)
            {
                // An earlier attempt of this delivery put it there and verified it: not read back again.
                pushed = (0, earlier.Sha256 ?? string.Empty);
            }
            else
            {
                var inPlace = nothingPushedYet && content.Kind == RenditionKind.Package && !PushOrder.IsPlaylist(file.RelativePath);
                var lookUp = !nothingPushedYet && lookUpFirst && (target.Verify == VerifyMode.Full || !olderKeys.Contains(key));
                try
                {
                    pushed = await PushFileWithQuickRetriesAsync(target, key, file, lookUp, inPlace, watchdog, token).ConfigureAwait(false);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    Interlocked.CompareExchange(ref firstFailure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
                    if (!Failure.From(e).IsTransient)
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }

                    return;
                }
            }

            var (bytes, sha256) = pushed;
            digests[file.RelativePath] = sha256;
            files[key] = new DeliveredFile(key, file.Length, sha256.Length == 0 ? null : sha256);
            if (bytes == 0 && file.Length > 0)
            {
                Interlocked.Increment(ref skipped);
            }

            Interlocked.Add(ref sent, bytes);
        }

        var media = content.Files.Where(f => !PushOrder.IsPlaylist(f.RelativePath)).ToList();
        var playlists = content.Files.Where(f => PushOrder.IsPlaylist(f.RelativePath)).ToList();
        var small = media.Count > 0 && media.Sum(f => f.Length) / media.Count <= SmallFileBytes;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = small ? SmallFileConcurrency : LargeFileConcurrency, CancellationToken = stop.Token };
        try
        {
            if (media.Count == 1)
            {
                // A single-file rendition (what a drain is mostly made of): pushed here, without a parallel loop's work item
                // and the thread hop to it.
                await PushFileAsync(media[0], stop.Token).ConfigureAwait(false);
            }
            else
            {
                await Parallel.ForEachAsync(media, parallel, PushFileAsync).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (firstFailure is not null && !cancellationToken.IsCancellationRequested)
        {
            // Stopped by a permanent failure: thrown below.
        }

        firstFailure?.Throw();
        foreach (var playlist in playlists)
        {
            await PushFileAsync(playlist, cancellationToken).ConfigureAwait(false);
            firstFailure?.Throw();
        }

        var delivered = files.Values.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
        return new RenditionPushed(sent, content.TotalBytes, Digest(content, digests), skipped, delivered);
    }

    private async Task<(long Bytes, string Sha256)> PushFileWithQuickRetriesAsync(ITarget target, string key, SourceFile file, bool lookUp, bool inPlace, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await PushFileAsync(target, key, file, lookUp, inPlace, watchdog, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (retry < _policy.Options.QuickRetries && !cancellationToken.IsCancellationRequested && IsQuickRetryable(e))
            {
                var delay = _policy.QuickDelay(retry + 1);
                if (e is TargetException { RetryAfter: { } asked } && asked > delay)
                {
                    delay = asked;
                }

                watchdog.Touch();
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsQuickRetryable(Exception e) => e switch
    {
        TargetException t => t.IsTransient && (t.RetryAfter is null || t.RetryAfter <= MaxQuickRetryAfter),
        HttpRequestException or IOException => true,
        _ => false,
    };

    private static async Task<(long Bytes, string Sha256)> PushFileAsync(ITarget target, string key, SourceFile file, bool lookUp, bool inPlace, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        using var activity = CourierTelemetry.ActivitySource.StartActivity("courier.push");
        activity?.SetTag("courier.target", target.Name);
        activity?.SetTag("courier.key", key);
        activity?.SetTag("courier.file_bytes", file.Length);
        try
        {
            var pushed = await PushOrSkipAsync(target, key, file, lookUp, inPlace, watchdog, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("courier.outcome", pushed.Bytes == 0 && file.Length > 0 ? "skipped" : "pushed");
            activity?.SetTag("courier.bytes", pushed.Bytes);
            return pushed;
        }
        catch (Exception e)
        {
            activity?.SetTag("courier.outcome", "failed");
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    private static async Task<(long Bytes, string Sha256)> PushOrSkipAsync(ITarget target, string key, SourceFile file, bool lookUp, bool inPlace, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        var full = target.Verify == VerifyMode.Full;

        // Nothing to look up when the ledger proves nothing was pushed (a quick retry of this very push only resends), or
        // when what is held could only be told apart by content that size-only verification does not read.
        // Reading a held object back (full verification) is progress for the stall watchdog, but not bytes sent.
        var held = lookUp ? await target.StatAsync(key, full, TargetActivity.WithoutBytes(watchdog), cancellationToken).ConfigureAwait(false) : null;
        if (held is not null && held.Length == file.Length)
        {
            if (!full)
            {
                return (0, held.Sha256 ?? string.Empty);
            }

            if (held.Sha256 is { } heldSha)
            {
                var sourceSha = await HashSourceAsync(file, watchdog, cancellationToken).ConfigureAwait(false);
                if (string.Equals(heldSha, sourceSha, StringComparison.OrdinalIgnoreCase))
                {
                    return (0, sourceSha);
                }
            }
        }

        var put = new ObjectPut(key, file.FullPath, file.Length, ContentTypes.For(key), watchdog) { InPlace = inPlace };
        var result = await target.PutAsync(put, cancellationToken).ConfigureAwait(false);
        if (result.Bytes != file.Length)
        {
            throw new TargetException(target.Name, $"source file '{file.RelativePath}' changed while it was pushed ({result.Bytes} bytes sent, {file.Length} expected)", true, ErrorKinds.SizeMismatch);
        }

        return (result.Bytes, result.Sha256);
    }

    private static async Task<string> HashSourceAsync(SourceFile file, StallWatchdog watchdog, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var (_, sha) = await ContentHash.Sha256Async(stream, TargetActivity.WithoutBytes(watchdog), cancellationToken).ConfigureAwait(false);
            return sha;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new SourceMissingException($"source file '{file.FullPath}' is gone or unreadable: {e.Message}", e);
        }
    }

    private static string Digest(RenditionContent content, IReadOnlyDictionary<string, string> digests)
    {
        if (content.Kind == RenditionKind.File)
        {
            return digests[content.Files[0].RelativePath];
        }

        var lines = new StringBuilder();
        foreach (var file in content.Files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            lines.Append(file.RelativePath).Append('\t').Append(file.Length).Append('\t').Append(digests[file.RelativePath]).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString())));
    }
}
