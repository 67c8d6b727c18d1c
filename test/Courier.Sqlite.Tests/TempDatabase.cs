using Microsoft.Data.Sqlite;

namespace Courier.Sqlite.Tests;

/// <summary>A SQLite file of its own in a fresh temp directory, deleted (with its -wal and -shm) on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "courier-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "courier.db");
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path }.ConnectionString;
    }

    public string Directory { get; }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>A store over this file, as a process would open it.</summary>
    internal SqliteDeliveryStore OpenStore(TimeSpan? busyTimeout = null, string? connectionString = null) =>
        new(new SqliteStoreOptions { ConnectionString = connectionString ?? ConnectionString, BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30) });

    /// <summary>A plain connection outside any store, without pooling, for looking at the file directly.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
