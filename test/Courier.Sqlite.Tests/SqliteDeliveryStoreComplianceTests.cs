using Courier.Core.Storage;
using Courier.Store.Compliance;

namespace Courier.Sqlite.Tests;

/// <summary>The store compliance suite against SQLite: a temp file per test, deleted afterwards.</summary>
public sealed class SqliteDeliveryStoreComplianceTests : DeliveryStoreComplianceTests
{
    private readonly TempDatabase _database = new();

    protected override Task<IDeliveryStore> CreateStoreAsync() => Task.FromResult<IDeliveryStore>(_database.OpenStore());

    protected override ValueTask DisposeStoreAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
