using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.S3.Tests;

/// <summary>
/// A TCP proxy on loopback in front of a real S3 server that reads the HTTP/1.1 requests going through it, records
/// their request lines and headers, and can inject faults the real server would not: cut the connection of chosen
/// requests, or flip one byte of the body of chosen requests. Responses pass unchanged.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();

    public FaultProxy(string upstreamUrl)
    {
        var uri = new Uri(upstreamUrl);
        _upstream = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The head (request line and headers) of every request seen, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Requests whose request line contains this are cut off (the connection closed) before they reach the server.</summary>
    public string? CutRequestsContaining { get; set; }

    /// <summary>
    /// Responses to HEAD get their <c>ETag</c> header's 32 hex digits replaced by 32 letters that are not hex (same length), as
    /// servers with SSE-KMS or some gateways answer: an ETag that proves nothing about the content.
    /// </summary>
    public bool OpaqueETags { get; set; }

    /// <summary>Requests whose request line contains this get one byte of their body flipped on the way.</summary>
    public string? CorruptBodiesOf { get; set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            var fromClient = client.GetStream();
            var toServer = upstream.GetStream();
            var exchange = new Exchange();
            var responses = ForwardResponsesAsync(toServer, fromClient, exchange, _stop.Token);
            var requests = ForwardRequestsAsync(fromClient, toServer, exchange, _stop.Token);
            await Task.WhenAny(responses, requests);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The method of the request a connection is waiting on (HTTP/1.1 clients send the next one after the answer).</summary>
    private sealed class Exchange
    {
        public volatile string Method = string.Empty;
    }

    private async Task ForwardResponsesAsync(NetworkStream server, NetworkStream client, Exchange exchange, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var marker = "ETag: \""u8.ToArray();
        int read;
        while ((read = await server.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (OpaqueETags && exchange.Method == "HEAD")
            {
                for (var at = buffer.AsSpan(0, read).IndexOf(marker); at >= 0 && at + marker.Length + 32 <= read;)
                {
                    buffer.AsSpan(at + marker.Length, 32).Fill((byte)'z');
                    var next = buffer.AsSpan(at + 1, read - at - 1).IndexOf(marker);
                    at = next < 0 ? -1 : at + 1 + next;
                }
            }

            await client.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>Forwards requests one by one (head, then Content-Length bytes of body), applying the faults.</summary>
    private async Task ForwardRequestsAsync(NetworkStream client, NetworkStream server, Exchange exchange, CancellationToken cancellationToken)
    {
        var reader = new BufferedReader(client);
        while (true)
        {
            var head = await reader.ReadHeadAsync(cancellationToken);
            if (head is null)
            {
                return;
            }

            var text = Encoding.Latin1.GetString(head);
            _requests.Enqueue(text);
            var requestLine = text[..text.IndexOf('\r', StringComparison.Ordinal)];
            if (CutRequestsContaining is { } cut && requestLine.Contains(cut, StringComparison.Ordinal))
            {
                return;
            }

            exchange.Method = requestLine.Split(' ')[0];
            await server.WriteAsync(head, cancellationToken);
            var length = ContentLength(text);
            var corrupt = CorruptBodiesOf is { } target && requestLine.Contains(target, StringComparison.Ordinal) && length > 0;
            var flipAt = length / 2;
            long sent = 0;
            while (sent < length)
            {
                var chunk = await reader.ReadBodyAsync((int)Math.Min(1 << 16, length - sent), cancellationToken);
                if (chunk.Length == 0)
                {
                    return;
                }

                if (corrupt && flipAt >= sent && flipAt < sent + chunk.Length)
                {
                    chunk[(int)(flipAt - sent)] ^= 0xFF;
                }

                await server.WriteAsync(chunk, cancellationToken);
                sent += chunk.Length;
            }
        }
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    /// <summary>Reads an HTTP request head up to the blank line, then body bytes, from one stream.</summary>
    private sealed class BufferedReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadHeadAsync(CancellationToken cancellationToken)
        {
            var head = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return null;
                }

                while (_start < _end)
                {
                    head.Add(_buffer[_start++]);
                    var n = head.Count;
                    if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
                    {
                        return [.. head];
                    }
                }
            }
        }

        public async Task<byte[]> ReadBodyAsync(int most, CancellationToken cancellationToken)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return [];
            }

            var count = Math.Min(most, _end - _start);
            var chunk = _buffer.AsSpan(_start, count).ToArray();
            _start += count;
            return chunk;
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }
}
