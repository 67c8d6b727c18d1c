using Courier.Core.Configuration;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// Keeps this node's heartbeat fresh (every quarter of the lease timeout) while it may hold in-flight deliveries, so a
/// long upload is never taken over; when the process dies, the heartbeat stops and other nodes take the work back.
/// </summary>
public sealed partial class NodeHeartbeat : IAsyncDisposable
{
    private readonly IDeliveryStore _store;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private ITimer? _timer;
    private int _beating;

    public NodeHeartbeat(IDeliveryStore store, NodeIdentity node, TimeProvider time, CourierOptions options, ILogger<NodeHeartbeat> logger)
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

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of node {Node} failed; its deliveries may be taken over if this lasts past the lease timeout")]
    private partial void LogHeartbeatFailed(Exception exception, string node);
}
