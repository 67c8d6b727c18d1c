using Courier.Cli.Logging;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Cli;

/// <summary>
/// The composition of one CLI verb: the configuration, the one <c>AddCourier</c> composition, the targets checked and the
/// store migrated. Anything wrong with the configuration is <see cref="Core.Domain.BadInputException"/>, before any work.
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CliHost(CourierConfiguration configuration, ServiceProvider provider, CompactLoggerProvider logs)
    {
        Configuration = configuration;
        _provider = provider;
        Logs = logs;
    }

    public CourierConfiguration Configuration { get; }

    public IServiceProvider Services => _provider;

    public CompactLoggerProvider Logs { get; }

    /// <summary>Loads the configuration, composes Courier, checks the targets and migrates the store.</summary>
    public static async Task<CliHost> OpenAsync(string? configPath, bool verbose, CancellationToken cancellationToken)
    {
        var configuration = CourierConfiguration.Load(configPath);
        var logs = new CompactLoggerProvider(Console.Error, verbose ? LogLevel.Information : LogLevel.Warning, verbose);
        var services = new ServiceCollection();
        services.AddLogging(builder =>
        {
            builder.ClearProviders();
            builder.AddProvider(logs);
            builder.SetMinimumLevel(logs.MinimumLevel);
        });
        var provider = await services.OpenCourierAsync(configuration, cancellationToken).ConfigureAwait(false);
        return new CliHost(configuration, provider, logs);
    }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync().ConfigureAwait(false);
        Logs.Dispose();
    }
}
