using Npgsql;

namespace Courier.Postgres;

/// <summary>
/// Pipelines the small writes of one store (outcomes, file lists) that callers send at the same time. A statement that
/// finds no batch on the wire is sent at once; statements that arrive meanwhile wait for it and then go together, in
/// arrival order, in one round trip. The batch has error barriers (a <c>Sync</c> after every statement), so each statement
/// is still its own implicit transaction, committed or failed alone, with its own guards (the lease token) and its own
/// locks: grouping changes the number of round trips, not what any statement does or the order it takes locks in.
/// Every statement must answer one row of one column (a <c>SELECT count(*)</c> at its end).
/// </summary>
internal sealed class PostgresStatementBatcher
{
    /// <summary>At most this many statements share one round trip.</summary>
    private const int MaxBatch = 64;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _sending;

    public PostgresStatementBatcher(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Runs <paramref name="command"/> in the next batch and returns the value of its one row.</summary>
    public Task<object?> ScalarAsync(NpgsqlBatchCommand command, CancellationToken cancellationToken)
    {
        var pending = new Pending(command, cancellationToken);
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

            if (batch.Count > 0)
            {
                await SendAsync(batch).ConfigureAwait(false);
            }
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        var answered = 0;
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
            await using var pipelined = new NpgsqlBatch(connection) { EnableErrorBarriers = true };
            foreach (var pending in batch)
            {
                pipelined.BatchCommands.Add(pending.Command);
            }

            await using var reader = await pipelined.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            do
            {
                var value = await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false) ? reader.GetValue(0) : null;
                batch[answered++].Result.TrySetResult(value);
            }
            while (answered < batch.Count && await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            // The statement that failed, and those after it whose answer was not read: each ran (or not) on its own, as a
            // lone statement whose connection broke would have; their callers see the error and write again, guarded.
            for (var i = answered; i < batch.Count; i++)
            {
                batch[i].Result.TrySetException(e);
            }

            return;
        }

        for (var i = answered; i < batch.Count; i++)
        {
            batch[i].Result.TrySetException(new InvalidOperationException($"statement {i + 1} of a batch of {batch.Count} gave no answer"));
        }
    }

    private sealed class Pending(NpgsqlBatchCommand command, CancellationToken cancellationToken)
    {
        public NpgsqlBatchCommand Command { get; } = command;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
