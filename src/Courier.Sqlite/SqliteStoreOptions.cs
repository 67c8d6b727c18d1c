namespace Courier.Sqlite;

/// <summary>Settings of the embedded SQLite store.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The connection string. <value>The default is <c>Data Source=courier.db</c>.</value></summary>
    public string ConnectionString { get; set; } = "Data Source=courier.db";

    /// <summary>How long a writer waits for another process's lock. <value>The default is 30 seconds.</value></summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
