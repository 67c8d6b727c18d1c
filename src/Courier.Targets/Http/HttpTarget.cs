using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Courier.Core.Sources;
using Courier.Core.Targets;

namespace Courier.Targets.Http;

/// <summary>
/// An <c>http</c> target: an origin that accepts PUT (nginx WebDAV and the like). By default a push PUTs to a hidden temp
/// name next to the final one and MOVEs it onto the final URL, so no partial file is ever visible there (a push marked
/// <see cref="ObjectPut.InPlace"/>, a segment no reader can reach yet, is one PUT to the final URL); the body is
/// streamed from the source, never buffered, and hashed with XxHash128 as it goes under full verification. Verification
/// reads the object back (GET: its XxHash128 must be the one sent, and its SHA-256 goes to the ledger) or checks its size (HEAD).
/// </summary>
internal sealed class HttpTarget : ITarget, IDisposable
{
    private static readonly HttpMethod Move = new("MOVE");
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(5);
    private readonly HttpClient _client;
    private readonly HttpTargetSettings _settings;
    private readonly TimeProvider _time;

    public HttpTarget(string name, string region, VerifyMode verify, HttpTargetSettings settings, TimeProvider time)
    {
        Name = name;
        Region = region;
        Verify = verify;
        _settings = settings;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Courier/1.0");
        foreach (var (header, value) in settings.Headers)
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);
        }
    }

    public string Name { get; }

    public string Region { get; }

    public string Kind => HttpTargetFactory.KindName;

    public VerifyMode Verify { get; }

    /// <summary>The URL objects are put under.</summary>
    public Uri BaseUrl => _settings.BaseUrl;

    /// <summary>How objects are uploaded.</summary>
    public HttpUploadMode Upload => _settings.Upload;

    public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) =>
        StatAsync(key, withChecksum, null, cancellationToken);

    public async Task<StoredObject?> StatAsync(string key, bool withChecksum, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var uri = UriOf(ObjectKeys.Split(Name, key));
        if (!withChecksum)
        {
            var doing = $"HEAD of '{key}'";
            using var deadline = Deadline(cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Head, uri);
            using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
            if (IsNoObject(response.StatusCode))
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw HttpErrors.FromStatus(Name, doing, response, _time);
            }

            if (response.Content.Headers.ContentLength is { } length)
            {
                return new StoredObject(length, null, ETagOf(response));
            }
        }

        // With the checksum, or from a server whose HEAD does not tell the size: read the object.
        return await GetAsync(uri, StreamHashes.Sha256, TargetActivity.WithoutBytes(activity), $"GET of '{key}'", cancellationToken).ConfigureAwait(false) is { } held
            ? new StoredObject(held.Digest.Length, held.Digest.Sha256, held.ETag)
            : null;
    }

    public async Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken)
    {
        var segments = ObjectKeys.Split(Name, put.Key);
        var final = UriOf(segments);
        ContentDigest sent;
        using (var deadline = Deadline(cancellationToken))
        using (var content = new SourceContent(Name, put, deadline, Verify == VerifyMode.Full ? StreamHashes.XxHash128 : StreamHashes.None))
        {
            if (_settings.Upload == HttpUploadMode.Put || put.InPlace)
            {
                sent = await UploadAsync(final, content, deadline, $"PUT of '{put.Key}'", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var temp = UriOf([.. segments[..^1], ObjectKeys.TempName(segments[^1])]);
                try
                {
                    sent = await UploadAsync(temp, content, deadline, $"PUT of '{put.Key}' (to a temp name)", cancellationToken).ConfigureAwait(false);
                    await MoveAsync(temp, final, put.Key, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    await TryDeleteAsync(temp).ConfigureAwait(false);
                    throw;
                }
            }
        }

        var sha256 = await VerifyAsync(final, put, sent, cancellationToken).ConfigureAwait(false);
        return new PutResult(sent.Length, sha256);
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        const string doing = "probe (HEAD of the base URL)";
        using var deadline = Deadline(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Head, _settings.BaseUrl);
        using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode >= 500)
        {
            throw HttpErrors.FromStatus(Name, doing, response, _time);
        }
    }

    /// <summary>
    /// A WebDAV DELETE (404 or 410 means already gone), then a HEAD that must answer 404 or 410: an origin (or a cache in
    /// front of it) that acknowledges the DELETE but still serves the object is caught, transient <see cref="ErrorKinds.NotRemoved"/>.
    /// </summary>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var uri = UriOf(ObjectKeys.Split(Name, key));
        var doing = $"DELETE of '{key}'";
        using (var deadline = Deadline(cancellationToken))
        using (var request = new HttpRequestMessage(HttpMethod.Delete, uri))
        using (var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode && !HttpErrors.IsAbsent(response.StatusCode))
            {
                throw HttpErrors.FromStatus(Name, doing, response, _time);
            }
        }

        if (!await ProveAbsentAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw new TargetException(Name, $"{doing}: deleted but still served (HEAD does not answer 404)", isTransient: true, ErrorKinds.NotRemoved);
        }
    }

    /// <summary>A HEAD of the object's URL: 404 or 410 is absent; any success or redirect is not; other answers throw.</summary>
    public async Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken)
    {
        var uri = UriOf(ObjectKeys.Split(Name, key));
        var doing = $"HEAD of '{key}' (proving it is gone)";
        using var deadline = Deadline(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
        if (HttpErrors.IsAbsent(response.StatusCode))
        {
            return true;
        }

        if (response.IsSuccessStatusCode || (int)response.StatusCode is >= 300 and < 400)
        {
            return false;
        }

        throw HttpErrors.FromStatus(Name, doing, response, _time);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The URL of an object: the base URL and the key, each segment percent-encoded.</summary>
    internal Uri UriOf(IEnumerable<string> segments) =>
        new(_settings.BaseUrl.AbsoluteUri + string.Join('/', segments.Select(Uri.EscapeDataString)), UriKind.Absolute);

    private async Task<ContentDigest> UploadAsync(Uri uri, SourceContent content, RequestDeadline deadline, string doing, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw HttpErrors.FromStatus(Name, doing, response, _time);
        }

        if (!content.Sent)
        {
            throw new TargetException(Name, $"{doing}: answered {(int)response.StatusCode} before the whole body was sent", isTransient: true, ErrorKinds.NotStored);
        }

        return content.Digest();
    }

    private async Task MoveAsync(Uri temp, Uri final, string key, CancellationToken cancellationToken)
    {
        var doing = $"MOVE onto '{key}'";
        using var deadline = Deadline(cancellationToken);
        using var request = new HttpRequestMessage(Move, temp);
        request.Headers.TryAddWithoutValidation("Destination", final.AbsoluteUri);
        request.Headers.TryAddWithoutValidation("Overwrite", "T");
        using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
        if (HttpErrors.IsAbsent(response.StatusCode))
        {
            // The temp upload was just accepted, yet there is nothing to move: it was not stored. Transient: a retry can succeed.
            throw new TargetException(Name, $"{doing}: the upload was accepted but nothing is stored ({(int)response.StatusCode} {response.ReasonPhrase})", isTransient: true, ErrorKinds.NotStored);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpErrors.FromStatus(Name, doing, response, _time);
        }
    }

    /// <summary>
    /// Checks what the origin serves against what was <paramref name="sent"/>: its size, and under full verification its
    /// XxHash128, read back in the same pass as its SHA-256. Returns that SHA-256 (empty under size-only verification): a
    /// digest of what the origin holds, proven equal to the bytes sent.
    /// </summary>
    private async Task<string> VerifyAsync(Uri final, ObjectPut put, ContentDigest sent, CancellationToken cancellationToken)
    {
        var full = Verify == VerifyMode.Full;
        var doing = $"verifying '{put.Key}' ({(full ? "GET" : "HEAD")})";
        ContentDigest? held;
        if (full)
        {
            held = (await GetAsync(final, StreamHashes.Sha256 | StreamHashes.XxHash128, TargetActivity.WithoutBytes(put.Activity), doing, cancellationToken).ConfigureAwait(false))?.Digest;
        }
        else
        {
            using var deadline = Deadline(cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Head, final);
            using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
            if (!IsNoObject(response.StatusCode) && !response.IsSuccessStatusCode)
            {
                throw HttpErrors.FromStatus(Name, doing, response, _time);
            }

            held = IsNoObject(response.StatusCode) ? null
                : response.Content.Headers.ContentLength is { } length ? new ContentDigest(length, string.Empty, string.Empty)
                : (await GetAsync(final, StreamHashes.None, TargetActivity.WithoutBytes(put.Activity), doing, cancellationToken).ConfigureAwait(false))?.Digest;
        }

        if (held is null)
        {
            throw new TargetException(Name, $"{doing}: the upload was accepted but nothing is stored", isTransient: true, ErrorKinds.NotStored);
        }

        if (held.Length != sent.Length)
        {
            throw new TargetException(Name, $"{doing}: holds {held.Length} bytes, {sent.Length} were sent", isTransient: true, ErrorKinds.SizeMismatch);
        }

        if (full && !string.Equals(held.XxHash128, sent.XxHash128, StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"{doing}: reads back with other bytes than were sent (XxHash128 {held.XxHash128}, sent {sent.XxHash128})", isTransient: true, ErrorKinds.Checksum);
        }

        return held.Sha256;
    }

    /// <summary>GETs an object and computes the <paramref name="hashes"/> of it as it streams in; null when there is none.</summary>
    private async Task<(ContentDigest Digest, string? ETag)?> GetAsync(Uri uri, StreamHashes hashes, IProgress<long>? activity, string doing, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await SendAsync(request, deadline, doing, cancellationToken).ConfigureAwait(false);
        if (IsNoObject(response.StatusCode))
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpErrors.FromStatus(Name, doing, response, _time);
        }

        return (await ReadBodyAsync(response, hashes, deadline, activity, doing, cancellationToken).ConfigureAwait(false), ETagOf(response));
    }

    /// <summary>
    /// 404 and 410; and a redirect, which is not followed: what answers one (nginx for a directory) holds no object under the key.
    /// </summary>
    private static bool IsNoObject(HttpStatusCode status) => HttpErrors.IsAbsent(status) || (int)status is >= 300 and < 400;

    private static string? ETagOf(HttpResponseMessage response) => response.Headers.ETag?.Tag.Trim('"');

    private async Task<ContentDigest> ReadBodyAsync(HttpResponseMessage response, StreamHashes hashes, RequestDeadline deadline, IProgress<long>? activity, string doing, CancellationToken cancellationToken)
    {
        try
        {
            deadline.Extend();
            var body = new DeadlineStream(await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false), deadline);
            return await ContentHash.DigestAsync(body, hashes, response.Content.Headers.ContentLength ?? 0, activity, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e))
        {
            throw Translate(e, deadline, doing, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, RequestDeadline deadline, string doing, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e))
        {
            throw Translate(e, deadline, doing, cancellationToken);
        }
    }

    private static bool IsTransport(Exception e) =>
        e is OperationCanceledException or HttpRequestException or IOException or SocketException or TimeoutException;

    /// <summary>
    /// The exception to throw for a transport failure: the caller's cancellation as itself; a failure of our own source
    /// or target checks that the HTTP stack wrapped, unwrapped; else a transient timeout or connection failure.
    /// </summary>
    private Exception Translate(Exception exception, RequestDeadline deadline, string doing, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is TargetException or SourceMissingException)
            {
                ExceptionDispatchInfo.Throw(inner);
            }
        }

        return HttpErrors.FromTransport(Name, doing, exception, deadline);
    }

    private async Task TryDeleteAsync(Uri uri)
    {
        try
        {
            // Bounded tighter than a request: this may run while the node shuts down.
            using var deadline = new RequestDeadline(_settings.Timeout < CleanupTimeout ? _settings.Timeout : CleanupTimeout, _time, CancellationToken.None);
            using var request = new HttpRequestMessage(HttpMethod.Delete, uri);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e))
        {
            // Best effort: a temp name never shadows the final one, and carries a marker for sweeping.
        }
    }

    private RequestDeadline Deadline(CancellationToken cancellationToken) => new(_settings.Timeout, _time, cancellationToken);
}
