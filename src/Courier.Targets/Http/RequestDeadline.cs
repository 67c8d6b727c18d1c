namespace Courier.Targets.Http;

/// <summary>
/// The cancellation of one request: the caller's token, or no progress for the timeout. Every sign of progress
/// (a chunk of body sent or received) pushes the deadline back.
/// </summary>
internal sealed class RequestDeadline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenRegistration _outer;
    private readonly CancellationToken _caller;

    public RequestDeadline(TimeSpan timeout, TimeProvider time, CancellationToken caller)
    {
        Timeout = timeout;
        _caller = caller;
        _cts = new CancellationTokenSource(timeout, time);
        _outer = caller.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _cts);
    }

    public TimeSpan Timeout { get; }

    public CancellationToken Token => _cts.Token;

    /// <summary>True when the deadline passed (and the caller did not cancel).</summary>
    public bool Expired => _cts.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>Progress: the next wait may again last the whole timeout.</summary>
    public void Extend()
    {
        try
        {
            _cts.CancelAfter(Timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _outer.Dispose();
        _cts.Dispose();
    }
}
