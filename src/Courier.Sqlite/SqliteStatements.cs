using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>
/// The commands run on one open connection, one per SQL text, kept prepared: SQLite parses and plans a statement the first
/// time it runs and each later run only binds new values. A long-lived connection (the write group's, the claims') keeps
/// its statements for its life; a pooled connection opened for one call keeps them for that call (disposing this disposes
/// them). Not thread-safe: one caller at a time, like the connection. A command returned here is owned by this object,
/// is not disposed by its caller, and is valid until the next call of <see cref="Command"/> with the same text.
/// </summary>
internal sealed class SqliteStatements(SqliteConnection connection) : IDisposable, IAsyncDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>The transaction every command runs in (the connection's current one).</summary>
    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The prepared command for <paramref name="sql"/>, in <see cref="Transaction"/>, bound to <paramref name="parameters"/> alone.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = Transaction;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Disposes the commands (their prepared statements); the connection stays open, its owner closes it.</summary>
    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
