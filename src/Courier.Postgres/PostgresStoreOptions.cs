namespace Courier.Postgres;

/// <summary>Settings of the PostgreSQL store.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The Npgsql connection string.</summary>
    public string ConnectionString { get; set; } = string.Empty;
}
