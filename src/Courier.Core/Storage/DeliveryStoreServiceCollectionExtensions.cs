using Microsoft.Extensions.DependencyInjection;

namespace Courier.Core.Storage;

/// <summary>Registers a store under <see cref="IDeliveryStore"/> and each of its facets, all resolving to the one instance.</summary>
public static class DeliveryStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <paramref name="create"/>'s store as the singleton <see cref="IDeliveryStore"/>, and its facets
    /// (<see cref="IDeliveryQueue"/>, <see cref="INodeStore"/>, <see cref="IEventStore"/>, <see cref="IDeliveryQueries"/>,
    /// <see cref="IStoreMaintenance"/>, <see cref="ICircuitStore"/>) as the same instance. What every store's <c>Add…</c> method calls.
    /// </summary>
    public static IServiceCollection AddDeliveryStore(this IServiceCollection services, Func<IServiceProvider, IDeliveryStore> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        services.AddSingleton(create);
        services.AddSingleton<IDeliveryQueue>(sp => sp.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<INodeStore>(sp => sp.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<IDeliveryQueries>(sp => sp.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<IStoreMaintenance>(sp => sp.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<ICircuitStore>(sp => sp.GetRequiredService<IDeliveryStore>());
        return services;
    }
}
