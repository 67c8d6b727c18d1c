namespace Courier.Postgres;

/// <summary>
/// Gathers the small writes of one store that callers send at the same time. A write that finds no batch being sent goes
/// at once; writes that arrive meanwhile wait for it and then go together, in arrival order, in the next batch (at most
/// <see cref="MaxBatch"/>). How a batch is sent is the sender's business; it answers every write of it, and a write it
/// leaves unanswered fails.
/// </summary>
internal sealed class PostgresWriteBatcher<TItem, TResult>
{
    /// <summary>At most this many writes share one batch.</summary>
    public const int MaxBatch = 64;

    private readonly Func<IReadOnlyList<Pending>, Task> _send;
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _sending;

    public PostgresWriteBatcher(Func<IReadOnlyList<Pending>, Task> send) => _send = send;

    /// <summary>Sends <paramref name="item"/> in the next batch and returns its answer.</summary>
    public Task<TResult> RunAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, cancellationToken);
        bool lead;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            lead = !_sending;
            _sending = true;
        }

        if (lead)
        {
            _ = Task.Run(SendBatchesAsync, CancellationToken.None);
        }

        return pending.Result.Task;
    }

    private async Task SendBatchesAsync()
    {
        while (true)
        {
            var batch = new List<Pending>();
            lock (_lock)
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
                {
                    if (next.CancellationToken.IsCancellationRequested)
                    {
                        next.Result.TrySetCanceled(next.CancellationToken);
                        continue;
                    }

                    batch.Add(next);
                }

                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await _send(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(e);
                }
            }

            foreach (var pending in batch.Where(p => !p.Result.Task.IsCompleted))
            {
                pending.Result.TrySetException(new InvalidOperationException($"a write of a batch of {batch.Count} got no answer"));
            }
        }
    }

    /// <summary>A write waiting for its batch, and its answer.</summary>
    public sealed class Pending(TItem item, CancellationToken cancellationToken)
    {
        public TItem Item { get; } = item;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
