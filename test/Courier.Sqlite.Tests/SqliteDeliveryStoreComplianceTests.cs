using Courier.Core.Storage;
using Courier.Store.Compliance;

namespace Courier.Sqlite.Tests;

/// <summary>The store compliance suite against SQLite: a temp file per test, deleted afterwards.</summary>
public sealed class SqliteDeliveryStoreComplianceTests : DeliveryStoreComplianceTests
{
    private readonly TempDatabase _database = new();

    protected override Task<IDeliveryStore> CreateStoreAsync() => Task.FromResult<IDeliveryStore>(_database.OpenStore());

    protected override Task<IReadOnlyList<string>> NodeIdsAsync()
    {
        using var connection = _database.OpenRaw();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT node_id FROM nodes ORDER BY node_id";
        using var reader = select.ExecuteReader();
        var nodes = new List<string>();
        while (reader.Read())
        {
            nodes.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlyList<string>>(nodes);
    }

    protected override ValueTask DisposeStoreAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
