using Courier.Cli.Logging;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Cli;

/// <summary>
/// The composition of one CLI verb: the configuration and the one <c>OpenCourierAsync</c> (targets checked, store migrated,
/// this node's session started; disposing releases what the verb still holds). Anything wrong with the configuration is
/// <see cref="Core.Domain.BadInputException"/>, before any work.
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly CourierNode _node;

    private CliHost(CourierConfiguration configuration, CourierNode node, CompactLoggerProvider logs)
    {
        Configuration = configuration;
        _node = node;
        Logs = logs;
    }

    public CourierConfiguration Configuration { get; }

    public IServiceProvider Services => _node;

    public CompactLoggerProvider Logs { get; }

    /// <summary>Loads the configuration and opens Courier as a node: targets checked, store migrated, session started.</summary>
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
        var node = await services.OpenCourierAsync(configuration, cancellationToken).ConfigureAwait(false);
        return new CliHost(configuration, node, logs);
    }

    public T Get<T>()
        where T : notnull => _node.GetRequiredService<T>();

    /// <summary>Stops this node's session (releasing what it still holds to the queue, unattempted), then the services.</summary>
    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync().ConfigureAwait(false);
        Logs.Dispose();
    }
}
