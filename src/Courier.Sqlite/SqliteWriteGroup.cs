using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>
/// Group commit for small writes of one store (outcomes, file lists). A write that finds no group being written runs at
/// once; writes that arrive while a group is written wait for it and then go together, in arrival order, in one
/// <c>BEGIN IMMEDIATE</c> transaction: one write lock and one <c>fsync</c> for the lot instead of one each. A group runs
/// on a connection of its own that lives as long as the store, so its statements stay prepared (<see cref="SqliteStatements"/>)
/// and it pays no pool round trip or pragmas per group. A write that fails fails alone: the group is first written
/// without savepoints; when one of its writes throws, that transaction is rolled back and the group is written again
/// with a savepoint per write, so the failed one is rolled back alone and the others commit. A failed commit fails every
/// write of the group (none of them was written). Each write keeps its own guards (the lease token), so grouping changes
/// how many commits there are, not what any write does.
/// </summary>
internal sealed class SqliteWriteGroup : IDisposable
{
    /// <summary>At most this many writes share one transaction, so a group holds the write lock briefly.</summary>
    private const int MaxGroup = 64;

    /// <summary>One per database file in this process: its write groups take turns here, not in SQLite's busy wait.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> FileTurns = new(StringComparer.Ordinal);

    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly SemaphoreSlim _turn;
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _writing;
    private bool _disposed;
    private SqliteStatements? _statements;

    /// <summary>
    /// A group for the database file <paramref name="file"/> (a full path; null for one no other store can share, such
    /// as <c>:memory:</c>). Store instances of one process on one file (nodes run side by side, tests) write their groups
    /// in turn, queued in order: SQLite's own wait for its write lock polls with sleeps of up to 100 ms, which is what
    /// writers in other processes still meet (up to <c>Store:BusyTimeout</c>).
    /// </summary>
    public SqliteWriteGroup(Func<CancellationToken, Task<SqliteConnection>> open, string? file)
    {
        _open = open;
        _turn = file is null ? new SemaphoreSlim(1, 1) : FileTurns.GetOrAdd(file, _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>
    /// Runs <paramref name="write"/> in a group's transaction (it must not commit) and returns its result once committed.
    /// A write that is not <paramref name="durable"/> (a claim, a heartbeat) needs no sync of its own: a group of such
    /// writes alone commits with <c>synchronous=NORMAL</c>; any durable write in the group makes its commit <c>FULL</c>.
    /// </summary>
    public Task<T> RunAsync<T>(Func<SqliteStatements, CancellationToken, Task<T>> write, CancellationToken cancellationToken, bool durable = true)
    {
        var pending = new Pending<T>(write, durable, cancellationToken);
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

    /// <summary>Closes the group's connection (now, or when the group being written ends).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            if (!_writing)
            {
                Close();
            }
        }
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
                    if (next.CancellationToken.IsCancellationRequested)
                    {
                        next.Cancel();
                        continue;
                    }

                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _writing = false;
                    if (_disposed)
                    {
                        Close();
                    }

                    return;
                }
            }

            await WriteAsync(group).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<Pending> group)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            var statements = _statements ??= new SqliteStatements(await _open(CancellationToken.None).ConfigureAwait(false));
            var durable = group.Exists(pending => pending.Durable);
            if (!durable)
            {
                await SynchronousAsync(statements, "NORMAL").ConfigureAwait(false);
            }

            var failed = await WriteTogetherAsync(statements, group).ConfigureAwait(false);
            if (failed is null)
            {
                group.ForEach(pending => pending.Succeed());
            }
            else if (group.Count == 1)
            {
                group[0].Fail(failed);
            }
            else
            {
                var written = await WriteEachAsync(statements, group).ConfigureAwait(false);
                written.ForEach(pending => pending.Succeed());
            }

            if (!durable)
            {
                await SynchronousAsync(statements, "FULL").ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The connection's state is not known after a failed begin or commit: the next group opens a new one.
            Close();
            group.ForEach(pending => pending.Fail(e));
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Sets the connection's <c>synchronous</c> pragma (outside a transaction); it is <c>FULL</c> between groups.</summary>
    private static async Task SynchronousAsync(SqliteStatements statements, string level)
    {
        statements.Transaction = null;
        await statements.Command($"PRAGMA synchronous = {level}").ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Every write in one transaction without savepoints; the first write that throws rolls it all back and is returned.</summary>
    private static async Task<Exception?> WriteTogetherAsync(SqliteStatements statements, List<Pending> group)
    {
        await using var transaction = statements.Connection.BeginTransaction(deferred: false);
        statements.Transaction = transaction;
        foreach (var pending in group)
        {
            try
            {
                await pending.RunAsync(statements).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                return e;
            }
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return null;
    }

    /// <summary>The group again, a savepoint per write: a write that fails is rolled back and failed alone. Returns the writes committed.</summary>
    private static async Task<List<Pending>> WriteEachAsync(SqliteStatements statements, List<Pending> group)
    {
        var written = new List<Pending>(group.Count);
        await using var transaction = statements.Connection.BeginTransaction(deferred: false);
        statements.Transaction = transaction;
        foreach (var pending in group)
        {
            await transaction.SaveAsync("write").ConfigureAwait(false);
            try
            {
                await pending.RunAsync(statements).ConfigureAwait(false);
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
        return written;
    }

    private void Close()
    {
        var statements = _statements;
        _statements = null;
        if (statements is not null)
        {
            statements.Dispose();
            statements.Connection.Dispose();
        }
    }

    private abstract class Pending(bool durable, CancellationToken cancellationToken)
    {
        public bool Durable { get; } = durable;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task RunAsync(SqliteStatements statements);

        public abstract void Succeed();

        public abstract void Fail(Exception e);

        public abstract void Cancel();
    }

    private sealed class Pending<T>(Func<SqliteStatements, CancellationToken, Task<T>> write, bool durable, CancellationToken cancellationToken) : Pending(durable, cancellationToken)
    {
        private T? _value;

        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(SqliteStatements statements) =>
            _value = await write(statements, CancellationToken).ConfigureAwait(false);

        public override void Succeed() => Result.TrySetResult(_value!);

        public override void Fail(Exception e) => Result.TrySetException(e);

        public override void Cancel() => Result.TrySetCanceled(CancellationToken);
    }
}
