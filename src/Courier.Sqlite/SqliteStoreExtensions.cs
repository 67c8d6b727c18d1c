using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Sqlite;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteStoreExtensions
{
    /// <summary>Uses SQLite (WAL, one file) as Courier's <see cref="IDeliveryStore"/>.</summary>
    public static IServiceCollection AddCourierSqliteStore(this IServiceCollection services, SqliteStoreOptions options)
    {
        services.AddSingleton<IDeliveryStore>(_ => throw new NotSupportedException($"the SQLite store is not built yet ({new SqliteDeliveryStore(options).Options.ConnectionString})"));
        return services;
    }
}
