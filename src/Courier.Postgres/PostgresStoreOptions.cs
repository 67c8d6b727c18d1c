namespace Courier.Postgres;

/// <summary>Settings of the PostgreSQL store, shared by any number of <c>courier serve</c> nodes.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The Npgsql connection string (<c>Host=…;Username=…;Database=…</c>).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema Courier's tables live in; created by the migrations when missing, and set as the connection's search path.
    /// Several Courier installations (or tests) can share one database, each in its own schema.
    /// <value>The default is <c>public</c>.</value>
    /// </summary>
    public string Schema { get; set; } = PostgresStoreDefaults.Schema;
}
