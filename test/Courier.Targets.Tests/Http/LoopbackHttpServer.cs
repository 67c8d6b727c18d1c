using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.Targets.Tests.Http;

/// <summary>A request as the origin received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>An answer to send: status, headers, body. For HEAD only the headers go out (Content-Length still says the body's size).</summary>
internal sealed record CannedResponse(int Status, byte[]? Body = null, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A real HTTP/1.1 origin on 127.0.0.1 (a random port) whose answers a test scripts: for what nginx will not do on
/// demand — 503 with Retry-After, 401, a "201 but nothing stored", a flipped byte, an answer that never comes.
/// Every request is recorded. One request per connection. A null answer means: read the request, never answer.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RecordedRequest, CannedResponse?> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackHttpServer(Func<RecordedRequest, CannedResponse?> answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = AcceptAsync();
    }

    /// <summary>The server's root URL, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream);
            Requests.Enqueue(request);
            var response = _answer(request);
            if (response is null)
            {
                // Hold the connection open, answering nothing, until the server is disposed.
                await Task.Delay(Timeout.InfiniteTimeSpan, _stop.Token);
                return;
            }

            var body = response.Body ?? [];
            var head = new StringBuilder($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
            head.Append("Content-Length: ").Append(body.Length).Append("\r\nConnection: close\r\n");
            foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            head.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
            if (request.Method != "HEAD")
            {
                await stream.WriteAsync(body, _stop.Token);
            }

            await stream.FlushAsync(_stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (a cancelled or timed-out request): nothing to answer.
        }
    }

    private static async Task<RecordedRequest> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < MaxHeaderBytes && !EndsWithBlankLine(head))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("connection closed inside the request head");
            }

            head.Add(one[0]);
        }

        var lines = Encoding.Latin1.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var start = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = new byte[headers.TryGetValue("Content-Length", out var length) ? long.Parse(length, System.Globalization.CultureInfo.InvariantCulture) : 0];
        await stream.ReadExactlyAsync(body);
        return new RecordedRequest(start[0], start[1], headers, body);
    }

    private static bool EndsWithBlankLine(List<byte> head) =>
        head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n';

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
