namespace Courier.Postgres;

/// <summary>The defaults of <see cref="PostgresStoreOptions"/>, written once.</summary>
public static class PostgresStoreDefaults
{
    /// <summary>The schema of Courier's tables.</summary>
    public const string Schema = "public";

    /// <summary>Statements Npgsql prepares automatically per connection, unless the connection string says otherwise (<c>Max Auto Prepare</c>).</summary>
    public const int MaxAutoPrepare = 64;

    /// <summary>The most attempts one retention statement deletes (and folds into the totals) at a time.</summary>
    public const int PruneChunk = 10_000;

    /// <summary>How many recent distributed versions the time-to-distributed figures are taken from.</summary>
    public const int DistributedSamples = 10_000;
}
