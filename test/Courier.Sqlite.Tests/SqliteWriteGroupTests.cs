using Microsoft.Data.Sqlite;

namespace Courier.Sqlite.Tests;

/// <summary>The group commit under the SQLite store's outcomes and claims: what one write does never depends on the others.</summary>
public sealed class SqliteWriteGroupTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task A_write_that_fails_in_a_group_is_rolled_back_alone_and_the_writes_grouped_with_it_commit()
    {
        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);
        using (var raw = _database.OpenRaw())
        {
            Execute(raw, "CREATE TABLE written (value TEXT NOT NULL)");
        }

        using var group = new SqliteWriteGroup(store.OpenAsync, null);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = group.RunAsync(
            async (statements, token) =>
            {
                await hold.Task.WaitAsync(token);
                return await InsertAsync(statements, "first", token);
            },
            Ct);

        // Queued while the first group is written: these three go together in the next group.
        var before = group.RunAsync((statements, token) => InsertAsync(statements, "before", token), Ct);
        var failing = group.RunAsync<int>(
            async (statements, token) =>
            {
                await InsertAsync(statements, "half-done", token);
                throw new InvalidOperationException("this write fails after writing");
            },
            Ct);
        var after = group.RunAsync((statements, token) => InsertAsync(statements, "after", token), Ct);
        hold.SetResult();

        (await holding).ShouldBe(1);
        (await before).ShouldBe(1);
        (await Should.ThrowAsync<InvalidOperationException>(() => failing)).Message.ShouldBe("this write fails after writing");
        (await after).ShouldBe(1);
        using (var raw = _database.OpenRaw())
        {
            Rows(raw, "SELECT value FROM written ORDER BY rowid").ShouldBe(["first", "before", "after"], "the failed write's own row is rolled back, the others' are committed in order");
        }
    }

    [Fact]
    public async Task Claims_and_heartbeats_alone_commit_without_a_sync_of_their_own_and_a_group_with_an_outcome_commits_synced()
    {
        using var store = _database.OpenStore();
        await store.MigrateAsync(Ct);
        using var group = new SqliteWriteGroup(store.OpenAsync, null);

        (await group.RunAsync(SynchronousAsync, Ct, durable: false)).ShouldBe(1L, "NORMAL: a claim lost to power loss is a claim never made");
        (await group.RunAsync(SynchronousAsync, Ct)).ShouldBe(2L, "FULL: an outcome survives power loss");
        (await group.RunAsync(SynchronousAsync, Ct, durable: false)).ShouldBe(1L);
        (await group.RunAsync(SynchronousAsync, Ct)).ShouldBe(2L, "the connection is back to FULL after a group that needed no sync");
    }

    private static async Task<long> SynchronousAsync(SqliteStatements statements, CancellationToken cancellationToken) =>
        (long)(await statements.Command("PRAGMA synchronous").ExecuteScalarAsync(cancellationToken))!;

    private static Task<int> InsertAsync(SqliteStatements statements, string value, CancellationToken cancellationToken) =>
        statements.Command("INSERT INTO written (value) VALUES (@value)", ("@value", value)).ExecuteNonQueryAsync(cancellationToken);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
