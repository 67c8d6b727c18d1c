using System.Net;
using System.Net.Sockets;

namespace Courier.Cli.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder on loopback in front of a real server (nginx), counting the bytes clients send through it. It can hold
/// uploads once a number of bytes went through, so a test can act (kill, signal) while an upload is surely under way.
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _accepting;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sent;
    private long _holdAt = long.MaxValue;

    public CountingProxy(Uri upstream)
    {
        _upstream = new IPEndPoint(IPAddress.Parse(upstream.Host), upstream.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Bytes sent by clients towards the server so far.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Completes when the bytes held at were sent.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Holds uploads once <paramref name="bytes"/> were sent, until <see cref="Release"/>.</summary>
    public void HoldAfter(long bytes) => Interlocked.Exchange(ref _holdAt, bytes);

    /// <summary>Lets held and later uploads through.</summary>
    public void Release()
    {
        Interlocked.Exchange(ref _holdAt, long.MaxValue);
        _released.TrySetResult();
    }

    private async Task AcceptAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_cts.Token);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_upstream, _cts.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), count: true);
                var down = PumpAsync(server.GetStream(), client.GetStream(), count: false);
                await Task.WhenAny(up, down);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, bool count)
    {
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _cts.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), _cts.Token);
                if (count && Interlocked.Add(ref _sent, read) >= Interlocked.Read(ref _holdAt))
                {
                    _reached.TrySetResult();
                    await _released.Task.WaitAsync(_cts.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _cts.CancelAsync();
        _listener.Stop();
        await _accepting;
        _cts.Dispose();
    }
}
