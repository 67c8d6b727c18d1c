using System.Collections.Concurrent;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Api;

/// <summary>
/// The distributions of submissions accepted with <c>"wait": false</c>, whose pushes go on after the 202. On shutdown they are
/// cancelled (their deliveries go back to the queue, unattempted) and awaited.
/// </summary>
internal sealed partial class BackgroundPushes(Distributor distributor, ILogger<BackgroundPushes> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Cancelled when the server stops: pushes go on when a client hangs up, but not past shutdown.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Distributes <paramref name="request"/> (<see cref="Distributor.DistributeAsync"/>) in the background and returns its
    /// submission as soon as it is committed, while the pushes go on. Input that is refused throws here, nothing stored, as
    /// on the synchronous path.
    /// </summary>
    public async Task<Submission> DistributeAsync(SubmitRequest request)
    {
        var committed = new CommitSignal();
        var task = Task.Run(async () =>
        {
            try
            {
                await distributor.DistributeAsync(request, committed, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!committed.Submission.IsCompleted)
            {
                committed.Refused(e);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPushFailed(e, committed.Submission.Result.VideoId);
            }
        });
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        return await committed.Submission.ConfigureAwait(false);
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

    /// <summary>Hears of the commit, and of nothing else.</summary>
    private sealed class CommitSignal : IDistributionObserver
    {
        private readonly TaskCompletionSource<Submission> _submission = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Submission> Submission => _submission.Task;

        public void Submitted(Submission submission) => _submission.TrySetResult(submission);

        public void Refused(Exception exception) => _submission.TrySetException(exception);

        public void Started(ClaimedDelivery delivery, long totalBytes)
        {
        }

        public void Progressed(ClaimedDelivery delivery, long bytes)
        {
        }

        public void Finished(DeliveryResult result)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Pushing {VideoId} after an early answer failed; the scanner takes its deliveries over")]
    private partial void LogPushFailed(Exception exception, string videoId);
}
