namespace Courier.Core.Distribution;

/// <summary>Wakes the scanner before its next interval (a target recovered, a person resubmitted work).</summary>
public sealed class ScanSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Asks for a scan now.</summary>
    public void Wake()
    {
        if (_signal.CurrentCount > 0)
        {
            // Already signalled (every delivered outcome wakes the scanner: no exception thrown for each).
            return;
        }

        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Signalled meanwhile.
        }
    }

    /// <summary>Waits until woken or <paramref name="interval"/> has passed on <paramref name="timeProvider"/>.</summary>
    public async Task WaitAsync(TimeSpan interval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(interval, timeProvider, timeout.Token);
        var woken = _signal.WaitAsync(timeout.Token);
        await Task.WhenAny(delay, woken).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public void Dispose() => _signal.Dispose();
}
