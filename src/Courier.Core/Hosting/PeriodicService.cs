using Microsoft.Extensions.Hosting;

namespace Courier.Core.Hosting;

/// <summary>
/// The one shape of Courier's background loops (as Hangfire's <c>InfiniteLoopProcess</c>): a pass at start-up, then a
/// pass after every wait; a failed pass is handed to <see cref="OnPassFailed"/> and the loop goes on; cancellation by the
/// host ends the loop quietly. The wait runs on the injected <see cref="TimeProvider"/>, so tests on a fake clock drive it.
/// Each loop keeps its work in a class of its own with a directly testable <c>RunOnceAsync</c>; the subclass only says
/// what one pass is and how long to wait.
/// </summary>
public abstract class PeriodicService : BackgroundService
{
    protected PeriodicService(TimeProvider time) => Time = time;

    /// <summary>The clock the loop waits on.</summary>
    protected TimeProvider Time { get; }

    /// <summary>How long to wait between the end of one pass and the start of the next.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass of the loop.</summary>
    protected abstract Task RunPassAsync(CancellationToken cancellationToken);

    /// <summary>Logs a pass that failed; the loop tries again after the next wait.</summary>
    protected abstract void OnPassFailed(Exception exception);

    /// <summary>Called once before the first pass.</summary>
    protected virtual void OnStarted()
    {
    }

    /// <summary>Waits <paramref name="interval"/> on <paramref name="time"/>; a loop that can be woken early overrides this.</summary>
    protected virtual Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(interval, time, cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OnStarted();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPassAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                OnPassFailed(e);
            }

            try
            {
                await WaitAsync(Interval, Time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
