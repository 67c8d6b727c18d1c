using Courier.Core.Targets;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Targets;

/// <summary>Registers the <c>filesystem</c> and <c>http</c> target kinds.</summary>
public static class TargetsExtensions
{
    /// <summary>Adds the factories of the <c>filesystem</c> and <c>http</c> target kinds.</summary>
    public static IServiceCollection AddCourierTargets(this IServiceCollection services)
    {
        services.AddSingleton<ITargetFactory, FileSystem.FileSystemTargetFactory>();
        services.AddSingleton<ITargetFactory, Http.HttpTargetFactory>();
        return services;
    }
}
