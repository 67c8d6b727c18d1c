using System.CommandLine;
using Courier.Cli.Logging;
using Courier.Server;
using Courier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Cli.Commands;

/// <summary><c>courier serve</c>: the HTTP API, the scanner (asynchronous path) and the heartbeat, until SIGTERM or Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("serve", "Run the server: the HTTP API (Courier:Api:Urls), the scanner that retries the failure queue every Courier:Scan:Interval and takes over the work of nodes that died, and this node's heartbeat. Stops cleanly on Ctrl-C or SIGTERM, releasing in-flight work to the queue.");
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose)
    {
        var configuration = CourierConfiguration.Load(config);
        using var logs = new CompactLoggerProvider(Console.Error, verbose ? LogLevel.Debug : LogLevel.Information, verbose);
        var app = CourierServer.Build(configuration, services => services.AddLogging(builder =>
        {
            builder.ClearProviders();
            builder.AddProvider(logs);
            builder.SetMinimumLevel(logs.MinimumLevel);
            if (!verbose)
            {
                builder.AddFilter("Microsoft", LogLevel.Warning);
                builder.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
            }
        }));
        await using (app.ConfigureAwait(false))
        {
            // The host handles SIGTERM and Ctrl-C itself: it stops the scanner, which releases this node's work to the queue.
            await app.RunAsync().ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
