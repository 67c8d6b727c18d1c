using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.Testing.Proxy;

/// <summary>
/// An HTTP/1.1 proxy on 127.0.0.1 in front of one upstream (nginx WebDAV, s3rver) that injects faults by rule: error
/// statuses with <c>Retry-After</c>, connection resets, a body accepted and then no answer, a stall mid-body, a
/// truncated or byte-flipped body stored upstream, a success answered without storing, a response cut off, an opaque
/// S3 <c>ETag</c> — and the whole proxy going down (connections refused) and up again on the same port. It records every
/// request: its head as it arrives (<see cref="Requests"/>), and what was done with it once answered (<see cref="Exchanges"/>).
/// Each client connection carries one request (the proxy answers <c>Connection: close</c>), which keeps framing simple
/// and every fault faithful at the TCP level.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const long MaxBody = 512L * 1024 * 1024;
    private readonly Uri _upstream;
    private readonly ConcurrentQueue<ProxyExchange> _exchanges = new();
    private readonly ConcurrentDictionary<int, ProxyExchange> _inProgress = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentDictionary<Socket, byte> _clients = new();
    private readonly ConcurrentDictionary<Task, byte> _handlers = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposed = new();
    private TcpListener? _listener;
    private CancellationTokenSource _generation = new();
    private Task _acceptLoop = Task.CompletedTask;
    private readonly bool _preserveHost;
    private int _requestCount;

    private FaultProxy(Uri upstream, int port, bool preserveHost)
    {
        _upstream = upstream;
        Port = port;
        _preserveHost = preserveHost;
    }

    /// <summary>The port the proxy listens on (kept across down and up).</summary>
    public int Port { get; }

    /// <summary>The proxy's base URL, with the upstream's path: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url => new UriBuilder(_upstream) { Host = "127.0.0.1", Port = Port }.Uri;

    /// <summary>The upstream the proxy forwards to.</summary>
    public Uri Upstream => _upstream;

    /// <summary>True while the proxy accepts connections.</summary>
    public bool IsUp { get; private set; }

    /// <summary>Every request seen so far, in the order they were answered (or given up on).</summary>
    public IReadOnlyList<ProxyExchange> Exchanges => _exchanges.ToArray();

    /// <summary>The requests whose head was read and whose exchange has not ended yet (a body still arriving, an answer pending).</summary>
    public IReadOnlyList<ProxyExchange> InProgress => _inProgress.Values.OrderBy(e => e.Index).ToArray();

    /// <summary>
    /// The head (request line and headers, as text) of every request seen, in the order they arrived; recorded before the
    /// request goes on, so complete as soon as the client has its answers.
    /// </summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>How many requests the proxy has seen.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Starts a proxy to <paramref name="upstream"/> on a free loopback port.</summary>
    /// <param name="upstream">Where requests go.</param>
    /// <param name="preserveHost">Forward the client's <c>Host</c> header as it is (S3: it is part of the signature); else the upstream's.</param>
    public static FaultProxy Start(Uri upstream, bool preserveHost = false)
    {
        // Listening on port 0 and keeping that listener: a port found free, let go and bound again can be taken meanwhile
        // by any connection's local end (it happened in CI: "Address already in use").
        var listener = Listen(0);
        var proxy = new FaultProxy(upstream, ((IPEndPoint)listener.LocalEndpoint).Port, preserveHost);
        lock (proxy._lock)
        {
            proxy.Accept(listener);
        }

        return proxy;
    }

    /// <summary>Adds a rule; rules are tried in the order added.</summary>
    public FaultRule Add(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Adds a rule injecting <paramref name="fault"/> into every request until narrowed.</summary>
    public FaultRule Inject(Fault fault) => Add(FaultRule.For(fault));

    /// <summary>Removes every rule: from now on requests are forwarded untouched.</summary>
    public void ClearRules()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>Goes fully down: stops listening (connections are refused) and resets every open connection.</summary>
    public void GoDown()
    {
        lock (_lock)
        {
            if (!IsUp)
            {
                return;
            }

            IsUp = false;
            _listener?.Stop();
            _listener = null;
            _generation.Cancel();
            _generation.Dispose();
            _generation = new CancellationTokenSource();
        }

        foreach (var socket in _clients.Keys)
        {
            Abort(socket);
        }
    }

    /// <summary>Comes up again on the same port.</summary>
    public void GoUp()
    {
        lock (_lock)
        {
            if (IsUp)
            {
                return;
            }

            Accept(Listen(Port));
        }
    }

    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        // A small receive window makes "stall mid-body" stall the sender, not just fill a large kernel buffer.
        listener.Server.ReceiveBufferSize = 16 * 1024;
        listener.Start(256);
        return listener;
    }

    /// <summary>Serves <paramref name="listener"/> (under <c>_lock</c>).</summary>
    private void Accept(TcpListener listener)
    {
        _listener = listener;
        IsUp = true;
        var token = CancellationTokenSource.CreateLinkedTokenSource(_generation.Token, _disposed.Token).Token;
        _acceptLoop = AcceptLoopAsync(listener, token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        GoDown();
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);

        // Every exchange is recorded once its handler ends: wait for them (bounded), so Exchanges is complete after disposal.
        try
        {
            await Task.WhenAll(_handlers.Keys).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // A handler that does not end in time leaves its exchange unrecorded; the test that reads it fails and says so.
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _clients[socket] = 0;
            var handler = Task.Run(() => HandleAsync(socket, cancellationToken), CancellationToken.None);
            _handlers[handler] = 0;
            _ = handler.ContinueWith(t => _handlers.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private Fault Decide(int index, RequestHead head)
    {
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (rule.TryFire(index, head.Method, head.Target))
                {
                    return rule.Fault;
                }
            }
        }

        return Fault.Pass;
    }

    private async Task HandleAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new HttpReader(stream);
        RequestHead? head = null;
        var index = -1;
        var fault = Fault.Pass;
        long bodyRead = 0;
        int? status = null;
        var recorded = false;
        var startedAt = TimeProvider.System.GetUtcNow();
        try
        {
            head = await RequestHead.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                return;
            }

            index = Interlocked.Increment(ref _requestCount) - 1;
            _requests.Enqueue(head.Text);
            startedAt = TimeProvider.System.GetUtcNow();
            fault = Decide(index, head);
            _inProgress[index] = new ProxyExchange(index, head.Method, head.Target, 0, fault, null, head.Headers) { StartedAt = startedAt };
            if (fault.Kind == FaultKind.Reset)
            {
                // Recorded before the reset, so a client that sees its connection drop also sees the exchange.
                _exchanges.Enqueue(new ProxyExchange(index, head.Method, head.Target, bodyRead, fault, status, head.Headers) { StartedAt = startedAt, EndedAt = TimeProvider.System.GetUtcNow() });
                recorded = true;
                Abort(socket);
                return;
            }

            if (string.Equals(head.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
            {
                await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            using var buffer = new MemoryStream();
            await using Stream body = fault.Kind == FaultKind.Throttle ? new ThrottledStream(buffer, fault.Bytes ?? long.MaxValue) : buffer;
            var declared = head.Header("Content-Length") is { } length ? long.Parse(length, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
            var chunked = head.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
            if (fault.Kind == FaultKind.StallMidBody)
            {
                var limit = Math.Min(fault.Bytes ?? 0, declared ?? long.MaxValue);
                bodyRead = chunked
                    ? await ReadChunkedPrefixAsync(reader, limit, cancellationToken).ConfigureAwait(false)
                    : await reader.CopyAsync(Stream.Null, limit, null, cancellationToken).ConfigureAwait(false);
                await WaitForeverAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            if (chunked)
            {
                bodyRead = await reader.CopyChunkedAsync(body, null, cancellationToken).ConfigureAwait(false);
            }
            else if (declared is { } count)
            {
                if (count > MaxBody)
                {
                    throw new IOException($"body of {count} bytes is more than the proxy buffers");
                }

                bodyRead = await reader.CopyAsync(body, count, null, cancellationToken).ConfigureAwait(false);
                if (bodyRead < count)
                {
                    return;
                }
            }

            switch (fault.Kind)
            {
                case FaultKind.Status:
                    status = fault.StatusCode;
                    await AnswerAsync(stream, fault.StatusCode, fault.RetryAfterSeconds, fault.EchoRequest ? head : null, cancellationToken).ConfigureAwait(false);
                    return;
                case FaultKind.OkWithoutStoring:
                    status = fault.StatusCode;
                    await AnswerAsync(stream, fault.StatusCode, null, null, cancellationToken).ConfigureAwait(false);
                    return;
                case FaultKind.AckWithoutDeleting:
                    status = fault.StatusCode;
                    await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    return;
                case FaultKind.HangAfterBody:
                    await WaitForClientToLeaveAsync(stream, cancellationToken).ConfigureAwait(false);
                    return;
            }

            var bytes = buffer.ToArray();
            if (fault.Kind == FaultKind.TruncateBody)
            {
                bytes = bytes[..(int)Math.Min(bytes.Length, fault.Bytes ?? (bytes.Length / 2))];
            }
            else if (fault.Kind == FaultKind.FlipByte && bytes.Length > 0)
            {
                bytes[(int)Math.Min(bytes.Length - 1, fault.Bytes ?? (bytes.Length / 2))] ^= 0xFF;
            }

            var hasBody = declared is not null || chunked;
            var response = await ForwardAsync(head, hasBody ? bytes : null, cancellationToken).ConfigureAwait(false);
            status = StatusOf(response);
            if (fault.Kind == FaultKind.MissingAsForbidden && status == 404)
            {
                var endOfLine = Array.IndexOf(response, (byte)'\r');
                response = [.. "HTTP/1.1 403 Forbidden"u8, .. response.AsSpan(endOfLine)];
                status = 403;
            }

            if (fault.Kind == FaultKind.TruncateResponse)
            {
                await stream.WriteAsync(response.AsMemory(0, response.Length / 2), cancellationToken).ConfigureAwait(false);
                status = null;
                Abort(socket);
                return;
            }

            if (fault.Kind == FaultKind.OpaqueETag)
            {
                MakeETagsOpaque(response);
            }

            if (fault.Kind == FaultKind.SlowResponse)
            {
                var step = (int)Math.Max(1, fault.Bytes ?? 1);
                for (var at = 0; at < response.Length; at += step)
                {
                    await stream.WriteAsync(response.AsMemory(at, Math.Min(step, response.Length - at)), cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false); // the throttle of a slow link
                }
            }
            else
            {
                await stream.WriteAsync(response, cancellationToken).ConfigureAwait(false);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or FormatException)
        {
            if (status is null && fault.Kind == FaultKind.None && head is not null)
            {
                // The upstream could not be reached or the client went away: the client sees the connection drop.
                Abort(socket);
            }
        }
        finally
        {
            if (head is not null && index >= 0 && !recorded)
            {
                _exchanges.Enqueue(new ProxyExchange(index, head.Method, head.Target, bodyRead, fault, status, head.Headers) { StartedAt = startedAt, EndedAt = TimeProvider.System.GetUtcNow() });
            }

            _inProgress.TryRemove(index, out _);

            _clients.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    private static async Task<long> ReadChunkedPrefixAsync(HttpReader reader, long limit, CancellationToken cancellationToken)
    {
        using var prefix = new LimitedStream(limit);
        try
        {
            await reader.CopyChunkedAsync(prefix, null, cancellationToken).ConfigureAwait(false);
        }
        catch (LimitReachedException)
        {
        }

        return prefix.Written;
    }

    private async Task<byte[]> ForwardAsync(RequestHead head, byte[]? body, CancellationToken cancellationToken)
    {
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, cancellationToken).ConfigureAwait(false);
        var stream = upstream.GetStream();
        var request = new StringBuilder();
        request.Append(head.Method).Append(' ').Append(head.Target).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(_preserveHost ? head.Header("Host") ?? _upstream.Authority : _upstream.Authority).Append("\r\n");
        foreach (var (name, value) in head.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var forwarded = name.Equals("Destination", StringComparison.OrdinalIgnoreCase) ? RewriteDestination(value) : value;
            request.Append(name).Append(": ").Append(forwarded).Append("\r\n");
        }

        if (body is not null)
        {
            request.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        if (body is not null)
        {
            await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }

        using var response = new MemoryStream();
        await stream.CopyToAsync(response, cancellationToken).ConfigureAwait(false);
        return response.ToArray();
    }

    private string RewriteDestination(string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var destination) && destination.Port == Port)
        {
            return new UriBuilder(destination) { Host = _upstream.Host, Port = _upstream.Port }.Uri.AbsoluteUri;
        }

        return value;
    }

    /// <summary>Replaces the 32 hex digits of every <c>ETag: "…"</c> in the answer's head by as many <c>z</c>s.</summary>
    private static void MakeETagsOpaque(byte[] response)
    {
        var end = response.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = response.AsSpan(0, end < 0 ? response.Length : end);
        var marker = "ETag: \""u8;
        for (var at = head.IndexOf(marker); at >= 0 && at + marker.Length + 32 <= head.Length;)
        {
            head.Slice(at + marker.Length, 32).Fill((byte)'z');
            var next = head[(at + 1)..].IndexOf(marker);
            at = next < 0 ? -1 : at + 1 + next;
        }
    }

    private static int? StatusOf(byte[] response)
    {
        var end = Array.IndexOf(response, (byte)'\n');
        var line = Encoding.Latin1.GetString(response, 0, end < 0 ? Math.Min(response.Length, 64) : end);
        var parts = line.Split(' ');
        return parts.Length >= 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    private static async Task AnswerAsync(Stream stream, int status, int? retryAfterSeconds, RequestHead? echo, CancellationToken cancellationToken)
    {
        var reason = status switch
        {
            201 => "Created",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Fault",
        };
        var text = new StringBuilder($"fault proxy: {status} {reason}\n");
        if (echo is not null)
        {
            text.Append("your request was:\n").Append(echo.Method).Append(' ').Append(echo.Target).Append('\n');
            foreach (var (name, value) in echo.Headers)
            {
                text.Append(name).Append(": ").Append(value).Append('\n');
            }
        }

        var body = Encoding.UTF8.GetBytes(text.ToString());
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        head.Append("Content-Type: text/plain\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        if (retryAfterSeconds is { } seconds)
        {
            head.Append("Retry-After: ").Append(seconds).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the connection open without answering until the client closes it (or the proxy goes down).</summary>
    private static async Task WaitForClientToLeaveAsync(Stream stream, CancellationToken cancellationToken)
    {
        var sink = new byte[4096];
        while (await stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private static async Task WaitForeverAsync(CancellationToken cancellationToken)
    {
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() => never.TrySetCanceled(cancellationToken)))
        {
            await never.Task.ConfigureAwait(false);
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
