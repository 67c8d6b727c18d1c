namespace Courier.Core.Distribution;

/// <summary>
/// Cuts off a push that moves no byte for the stall timeout (a target that accepts a body and hangs, or stalls mid-body),
/// without limiting how long a push that is making progress may take.
/// </summary>
internal sealed class StallWatchdog : IProgress<long>, IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenSource _cts;
    private readonly ITimer _timer;
    private long _lastActivity;
    private long _bytes;

    public StallWatchdog(TimeProvider time, TimeSpan timeout, CancellationToken outer)
    {
        _time = time;
        _timeout = timeout;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _lastActivity = time.GetTimestamp();
        var period = TimeSpan.FromTicks(Math.Max(timeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        _timer = time.CreateTimer(_ => Check(), null, period, period);
    }

    /// <summary>Cancelled when the outer token is, or when the push stalls.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True when this watchdog cut the push off.</summary>
    public bool Fired { get; private set; }

    /// <summary>Bytes reported so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Called with bytes moved.</summary>
    public Action<long>? OnProgress { get; init; }

    public void Report(long value)
    {
        Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        Interlocked.Add(ref _bytes, value);
        OnProgress?.Invoke(value);
    }

    /// <summary>Counts as activity without bytes (a new file started).</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());

    private void Check()
    {
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) < _timeout || _cts.IsCancellationRequested)
        {
            return;
        }

        Fired = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
    }
}
