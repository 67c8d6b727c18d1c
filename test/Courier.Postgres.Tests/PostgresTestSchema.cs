using Courier.Core.Storage;
using Npgsql;

namespace Courier.Postgres.Tests;

/// <summary>
/// A schema of its own for one test (<c>t_…</c>) in the test server's database, dropped afterwards. The store is created
/// with <see cref="PostgresStoreOptions.Schema"/> set to it and migrated.
/// </summary>
internal sealed class PostgresTestSchema : IAsyncDisposable
{
    private readonly List<PostgresDeliveryStore> _stores = [];

    private PostgresTestSchema(string name, NpgsqlDataSource admin)
    {
        Name = name;
        Admin = admin;
    }

    /// <summary>The schema's name.</summary>
    public string Name { get; }

    /// <summary>A connection pool whose search path is the schema, for inspecting tables directly.</summary>
    public NpgsqlDataSource Admin { get; }

    /// <summary>The test server's connection string, from <c>COURIER_TEST_POSTGRES</c>.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("COURIER_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("COURIER_TEST_POSTGRES is not set: run `.ci/services start` and `source .ci/work/env` (PostgreSQL on 127.0.0.1:55432)");

    public PostgresStoreOptions Options => new() { ConnectionString = ServerConnectionString, Schema = Name };

    public static async Task<PostgresTestSchema> CreateAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = name });
        var schema = new PostgresTestSchema(name, admin);
        await schema.NewStoreAsync();
        return schema;
    }

    /// <summary>A store (its own pool: another node) on this schema, migrated.</summary>
    public async Task<PostgresDeliveryStore> NewStoreAsync()
    {
        var store = new PostgresDeliveryStore(Options);
        _stores.Add(store);
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    public PostgresDeliveryStore Store => _stores[0];

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Admin.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<T>> ListAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = Admin.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using (var drop = Admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await Admin.DisposeAsync();
    }
}
