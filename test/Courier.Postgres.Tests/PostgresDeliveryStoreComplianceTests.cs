using Courier.Core.Storage;
using Courier.Store.Compliance;

namespace Courier.Postgres.Tests;

/// <summary>The store compliance suite, unchanged, against PostgreSQL: a schema of its own per test, dropped afterwards.</summary>
public sealed class PostgresDeliveryStoreComplianceTests : DeliveryStoreComplianceTests
{
    private readonly string _schema = "c_" + Guid.NewGuid().ToString("N")[..20];

    protected override Task<IDeliveryStore> CreateStoreAsync() =>
        Task.FromResult<IDeliveryStore>(new PostgresDeliveryStore(new PostgresStoreOptions { ConnectionString = PostgresTestSchema.ServerConnectionString, Schema = _schema }));

    protected override async Task<IReadOnlyList<string>> NodeIdsAsync()
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(PostgresTestSchema.ServerConnectionString);
        await using var select = source.CreateCommand($"SELECT node_id FROM \"{_schema}\".nodes ORDER BY node_id");
        await using var reader = await select.ExecuteReaderAsync(Ct);
        var nodes = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            nodes.Add(reader.GetString(0));
        }

        return nodes;
    }

    protected override async ValueTask DisposeStoreAsync()
    {
        await using var admin = Npgsql.NpgsqlDataSource.Create(PostgresTestSchema.ServerConnectionString);
        await using var drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}
