using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Sqlite;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteStoreExtensions
{
    /// <summary>Uses SQLite (WAL, one file) as Courier's <see cref="IDeliveryStore"/>. Call <see cref="IStoreMaintenance.MigrateAsync"/> at start-up.</summary>
    public static IServiceCollection AddCourierSqliteStore(this IServiceCollection services, SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddDeliveryStore(_ => new SqliteDeliveryStore(options));
        return services;
    }
}
