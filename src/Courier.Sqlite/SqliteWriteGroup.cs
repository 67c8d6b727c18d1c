using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>
/// Group commit for small writes of one store (outcomes, file lists). A write that finds no group being written runs at
/// once; writes that arrive while a group is written wait for it and then go together, in arrival order, in one
/// <c>BEGIN IMMEDIATE</c> transaction: one write lock and one <c>fsync</c> for the lot instead of one each. Each write runs
/// inside a savepoint of its own, so one that fails is rolled back alone and fails alone; the others commit. A failed
/// commit fails every write of the group (none of them was written). Each write keeps its own guards (the lease token), so
/// grouping changes how many commits there are, not what any write does.
/// </summary>
internal sealed class SqliteWriteGroup
{
    /// <summary>At most this many writes share one transaction, so a group holds the write lock briefly.</summary>
    private const int MaxGroup = 64;

    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _writing;

    public SqliteWriteGroup(Func<CancellationToken, Task<SqliteConnection>> open) => _open = open;

    /// <summary>Runs <paramref name="write"/> in a group's transaction (it must not commit) and returns its result once committed.</summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        var pending = new Pending<T>(write, cancellationToken);
        bool lead;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            lead = !_writing;
            _writing = true;
        }

        if (lead)
        {
            _ = Task.Run(WriteGroupsAsync, CancellationToken.None);
        }

        return pending.Result.Task;
    }

    private async Task WriteGroupsAsync()
    {
        while (true)
        {
            var group = new List<Pending>();
            lock (_lock)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            await WriteAsync(group).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<Pending> group)
    {
        var written = new List<Pending>(group.Count);
        try
        {
            await using var connection = await _open(CancellationToken.None).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var pending in group)
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Cancel();
                    continue;
                }

                await transaction.SaveAsync("write").ConfigureAwait(false);
                try
                {
                    await pending.RunAsync(connection, transaction).ConfigureAwait(false);
                    await transaction.ReleaseAsync("write").ConfigureAwait(false);
                    written.Add(pending);
                }
                catch (Exception e)
                {
                    await transaction.RollbackAsync("write").ConfigureAwait(false);
                    pending.Fail(e);
                }
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (var pending in group)
            {
                pending.Fail(e);
            }

            return;
        }

        foreach (var pending in written)
        {
            pending.Succeed();
        }
    }

    private abstract class Pending(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception e);

        public abstract void Cancel();
    }

    private sealed class Pending<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken) : Pending(cancellationToken)
    {
        private T? _value;

        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _value = await write(connection, transaction, CancellationToken).ConfigureAwait(false);

        public override void Succeed() => Result.TrySetResult(_value!);

        public override void Fail(Exception e) => Result.TrySetException(e);

        public override void Cancel() => Result.TrySetCanceled(CancellationToken);
    }
}
