using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, shared by the <c>courier</c> CLI and <c>courier serve</c> at once.
/// A pooled connection per operation; every write is one <c>BEGIN IMMEDIATE</c> transaction, so a writer takes the write
/// lock up front (waiting up to <see cref="SqliteStoreOptions.BusyTimeout"/>) instead of failing with SQLITE_BUSY when a
/// read lock cannot be upgraded. Reads run in deferred transactions: one consistent snapshot per call.
/// </summary>
/// <remarks>
/// <c>synchronous=FULL</c>: a committed submission or outcome survives power loss, not only a process crash. The design
/// promises "durable before work": the transcoder is told a video is delivered or queued only after the ledger says so.
/// Claims and heartbeats alone commit with <c>synchronous=NORMAL</c> (no fsync of their own): a claim lost to power loss
/// is a claim never made (the delivery is <c>queued</c> again, and a push it started is simply done again, idempotently),
/// and in WAL mode the next FULL commit, such as that claim's outcome, syncs the log up to and including the claim, so an
/// outcome can never outlive its claim. Submissions, outcomes and every other write keep FULL. Outcomes, file lists,
/// claims of due work and heartbeats go through <see cref="SqliteWriteGroup"/> on one connection of the store's own: a
/// claim that shares its commit with an outcome is synced with it.
/// </remarks>
internal sealed partial class SqliteDeliveryStore : IDeliveryStore, IDisposable
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SqliteWriteGroup _writes;

    public SqliteDeliveryStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        _connectionString = builder.ConnectionString;
        _busyTimeoutMs = (int)Math.Clamp(options.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);
        _writes = new SqliteWriteGroup(OpenAsync, SharedFile(builder));
    }

    /// <summary>The full path of the database file, or null for an in-memory or temporary database (no other store shares it).</summary>
    private static string? SharedFile(SqliteConnectionStringBuilder builder) =>
        builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:" || builder.DataSource.StartsWith("file:", StringComparison.Ordinal)
            ? null
            : Path.GetFullPath(builder.DataSource);

    /// <summary>Opens a pooled connection with this store's per-connection settings (<c>synchronous=FULL</c>: see the remarks above).</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a write transaction: <c>BEGIN IMMEDIATE</c> (takes the write lock now, waiting for busy_timeout).</summary>
    private static SqliteTransaction BeginWrite(SqliteConnection connection) => connection.BeginTransaction(deferred: false);

    /// <summary>Starts a read transaction: <c>BEGIN</c> (deferred), a consistent snapshot under WAL.</summary>
    private static SqliteTransaction BeginRead(SqliteConnection connection) => connection.BeginTransaction(deferred: true);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteMapping.Command(connection, null, "SELECT count(*) FROM schema_version");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes this store's own connections and its idle pooled ones (so its file can be deleted or moved).</summary>
    public void Dispose()
    {
        _writes.Dispose();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
