using Courier.Core.Targets;
using Courier.Targets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Targets.Tests;

/// <summary>Makes targets the way Courier does: configuration under <c>Courier:Targets</c>, the factories <see cref="TargetsExtensions.AddCourierTargets"/> registers, and <see cref="TargetRegistry"/>.</summary>
internal static class TestTargets
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSingleton(TimeProvider.System)
        .AddCourierTargets()
        .BuildServiceProvider();

    /// <summary>The factories registered by <see cref="TargetsExtensions.AddCourierTargets"/>.</summary>
    public static IReadOnlyList<ITargetFactory> Factories { get; } = Services.GetServices<ITargetFactory>().ToList();

    /// <summary>
    /// Builds the registry from settings given relative to <c>Courier:Targets</c> (<c>"cdn-north:Kind" = "http"</c>).
    /// Throws what <see cref="TargetRegistry.FromConfiguration"/> throws.
    /// </summary>
    public static TargetRegistry Registry(IReadOnlyDictionary<string, string?> settings, string sourceRoot, string baseDirectory)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create("Courier:Targets:" + s.Key, s.Value)))
            .Build();
        return TargetRegistry.FromConfiguration(configuration.GetSection("Courier:Targets"), Factories, sourceRoot, baseDirectory);
    }

    /// <summary>Makes the one target <paramref name="name"/> from its settings (<c>"Kind" = "http"</c>, …).</summary>
    public static ITarget Create(string name, IReadOnlyDictionary<string, string?> settings, string sourceRoot, string baseDirectory)
    {
        var registry = Registry(settings.ToDictionary(s => $"{name}:{s.Key}", s => s.Value), sourceRoot, baseDirectory);
        return registry.Find(name) ?? throw new InvalidOperationException($"target '{name}' was not made");
    }
}
