using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Postgres;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgresStoreExtensions
{
    /// <summary>
    /// Uses PostgreSQL as Courier's <see cref="IDeliveryStore"/>, shared by any number of nodes. The store holds one
    /// connection pool; the container disposes it. Call <see cref="IStoreMaintenance.MigrateAsync"/> at start-up.
    /// </summary>
    public static IServiceCollection AddCourierPostgresStore(this IServiceCollection services, PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddDeliveryStore(_ => new PostgresDeliveryStore(options));
        return services;
    }
}
