namespace Courier.Sqlite;

// Placeholder until the SQLite store lands; see IDeliveryStore for the contract.
internal sealed partial class SqliteDeliveryStore
{
    public SqliteDeliveryStore(SqliteStoreOptions options)
    {
        Options = options;
    }

    public SqliteStoreOptions Options { get; }
}
