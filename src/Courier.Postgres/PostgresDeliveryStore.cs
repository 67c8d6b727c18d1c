namespace Courier.Postgres;

// Placeholder until the PostgreSQL store lands; see IDeliveryStore for the contract.
internal sealed partial class PostgresDeliveryStore
{
    public PostgresDeliveryStore(PostgresStoreOptions options)
    {
        Options = options;
    }

    public PostgresStoreOptions Options { get; }
}
