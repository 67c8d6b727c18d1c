using Courier.Core.Configuration;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// This node's time on the ledger, from <see cref="StartAsync"/> to <see cref="StopAsync"/>: keeps its heartbeat fresh
/// (every quarter of the lease timeout) while it may hold in-flight deliveries, so a long upload is never taken over;
/// on a clean stop releases what it still holds to the queue, unattempted. When the process dies, the heartbeat stops
/// and other nodes take the work back. Every host (the server, each CLI verb, the test harnesses) runs its work inside
/// one, started when the host opens Courier (<c>OpenCourierAsync</c>) and stopped when it closes.
/// </summary>
public sealed partial class NodeSession : IAsyncDisposable
{
    private readonly INodeStore _store;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private ITimer? _timer;
    private int _beating;

    public NodeSession(INodeStore store, NodeIdentity node, TimeProvider time, CourierOptions options, ILogger<NodeSession> logger)
    {
        _store = store;
        _node = node;
        _time = time;
        _logger = logger;
        _interval = TimeSpan.FromTicks(Math.Max(options.Scan.LeaseTimeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks));
    }

    /// <summary>Records a heartbeat now and then keeps beating until disposed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.HeartbeatAsync(_node.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _timer ??= _time.CreateTimer(_ => _ = BeatAsync(), null, _interval, _interval);
    }

    private async Task BeatAsync()
    {
        if (Interlocked.Exchange(ref _beating, 1) == 1)
        {
            return;
        }

        try
        {
            await _store.HeartbeatAsync(_node.Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogHeartbeatFailed(e, _node.Id);
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    /// <summary>Stops the heartbeat and releases this node's in-flight deliveries to the queue, due now, unattempted. Returns how many.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        await DisposeAsync().ConfigureAwait(false);
        try
        {
            var released = await _store.ReleaseNodeAsync(_node.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            LogStopped(_node.Id, released);
            return released;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(e);
            return 0;
        }
    }

    /// <summary>Stops the heartbeat without releasing anything (the work is taken back after the lease timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _timer, null) is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} stopped; {Count} in-flight deliveries released to the queue")]
    private partial void LogStopped(string node, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Releasing this node's deliveries failed; they are taken back after the lease timeout")]
    private partial void LogReleaseFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of node {Node} failed; its deliveries may be taken over if this lasts past the lease timeout")]
    private partial void LogHeartbeatFailed(Exception exception, string node);
}
