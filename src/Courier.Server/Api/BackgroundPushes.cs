using System.Collections.Concurrent;
using Courier.Core.Distribution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Api;

/// <summary>
/// The synchronous pushes of submissions accepted with <c>"wait": false</c>, which go on after the 202. On shutdown they are
/// cancelled (their deliveries go back to the queue, unattempted) and awaited.
/// </summary>
internal sealed partial class BackgroundPushes(Distributor distributor, ILogger<BackgroundPushes> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Cancelled when the server stops: pushes go on when a client hangs up, but not past shutdown.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts pushing a committed submission.</summary>
    public void Start(Submission submission)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await distributor.PushAsync(submission, null, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPushFailed(e, submission.VideoId);
            }
        });
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown timed out; the store takes the deliveries back after the lease timeout.
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Pushing {VideoId} after an early answer failed; the scanner takes its deliveries over")]
    private partial void LogPushFailed(Exception exception, string videoId);
}
