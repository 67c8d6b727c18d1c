using System.Security.Cryptography;
using System.Text;
using Courier.Core.Configuration;
using Courier.Core.Storage;
using Npgsql;

namespace Courier.Postgres;

/// <summary>
/// The multi-node store: any number of nodes share one PostgreSQL database (or schema) and claim due work with
/// <c>FOR UPDATE SKIP LOCKED</c>. Every outcome is written only under the lease token it was claimed with. One
/// <see cref="NpgsqlDataSource"/> (one pool) per store; transactions are short and never span a push.
/// Split by concern, with the same partial files as the SQLite store: <c>.Migrations</c>, <c>.Submit</c>, <c>.Claim</c>,
/// <c>.Complete</c>, <c>.Queries</c>, <c>.Statistics</c>, <c>.Events</c>, <c>.Reconcile</c>.
/// </summary>
internal sealed partial class PostgresDeliveryStore : IDeliveryStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresWriteBatcher<DeliveryCompletion, bool> _completions;

    public PostgresDeliveryStore(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Schema = string.IsNullOrWhiteSpace(options.Schema) ? PostgresStoreDefaults.Schema : options.Schema;
        if (new PostgresStoreOptions { ConnectionString = options.ConnectionString, Schema = Schema }.Validate($"{CourierDefaults.SectionName}:Store").FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem.Message, nameof(options));
        }

        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = Schema };
        if (builder.MaxAutoPrepare == 0)
        {
            // The same few statements run all day: prepared once per connection, they are not planned again each time.
            builder.MaxAutoPrepare = PostgresStoreDefaults.MaxAutoPrepare;
        }

        // Courier keeps no session state (its advisory locks are transaction-scoped, its search path is in the connection
        // string): a pooled connection is not reset with DISCARD-like statements each time it is taken again, which cost a
        // statement of their own for every short write.
        builder.NoResetOnClose = true;
        _dataSource = NpgsqlDataSource.Create(builder);
        _completions = new PostgresWriteBatcher<DeliveryCompletion, bool>(CompleteBatchAsync);
    }

    /// <summary>The schema Courier's tables live in.</summary>
    public string Schema { get; }

    /// <summary>The connection pool, for tests and benchmarks that inspect the tables.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>A stable 64-bit advisory-lock key for <paramref name="name"/> (the same in every process).</summary>
    internal static long LockKey(string name) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);

    /// <summary>
    /// The outbox lock. Every statement that writes events takes it (<c>pg_advisory_xact_lock</c>) before the first event id
    /// is drawn and holds it to commit, so event ids become visible in order: a consumer that has read up to an id never
    /// misses a lower one committed later (identity values alone are drawn in one order and committed in another).
    /// </summary>
    private long EventLockKey => LockKey($"courier:{Schema}:events");
}
