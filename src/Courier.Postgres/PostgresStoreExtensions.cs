using Courier.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Postgres;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgresStoreExtensions
{
    /// <summary>Uses PostgreSQL as Courier's <see cref="IDeliveryStore"/>, shared by any number of nodes.</summary>
    public static IServiceCollection AddCourierPostgresStore(this IServiceCollection services, PostgresStoreOptions options)
    {
        services.AddSingleton<IDeliveryStore>(_ => throw new NotSupportedException($"the PostgreSQL store is not built yet ({new PostgresDeliveryStore(options).Options.ConnectionString.Length})"));
        return services;
    }
}
