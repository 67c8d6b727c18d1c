using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Ingest;
using Courier.Core.Reports;
using Courier.Core.Sources;
using Courier.Core.Targets;
using Courier.Ffmpeg;
using Courier.Postgres;
using Courier.S3;
using Courier.Sqlite;
using Courier.Targets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Courier.Server.Hosting;

/// <summary>The one composition of Courier, shared by the CLI and the server.</summary>
public static class CourierServiceCollectionExtensions
{
    /// <summary>
    /// Registers the core, the configured store and every target kind. Throws <see cref="Core.Domain.BadInputException"/>
    /// for options that do not hold; targets are checked by <see cref="ValidateCourier"/>.
    /// </summary>
    public static IServiceCollection AddCourier(this IServiceCollection services, CourierConfiguration configuration)
    {
        var options = configuration.BindOptions();
        services.AddSingleton(configuration);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(NodeIdentity.Create());
        services.AddSingleton<ScanSignal>();
        services.AddSingleton(_ => new RetryPolicy(options.Retry));
        services.AddSingleton(_ => new TargetCircuits(options.Circuit, options.Retry.MaxDelay));
        services.AddSingleton(_ => new SourceResolver(options.SourceRoot));
        services.AddCourierTargets();
        services.AddCourierS3Targets();
        services.AddSingleton(sp => TargetRegistry.FromConfiguration(
            configuration.Courier.GetSection("Targets"),
            sp.GetServices<ITargetFactory>(),
            options.SourceRoot,
            configuration.BaseDirectory));

        switch (options.Store.Provider.ToLowerInvariant())
        {
            case "postgres":
            case "postgresql":
                var postgres = new PostgresStoreOptions { ConnectionString = options.Store.ConnectionString! };
                postgres.Schema = options.Store.Schema is { Length: > 0 } schema ? schema : postgres.Schema;
                services.AddCourierPostgresStore(postgres.Validated($"{CourierDefaults.SectionName}:Store"));
                break;
            default:
                services.AddCourierSqliteStore(new SqliteStoreOptions { ConnectionString = configuration.SqliteConnectionString(options), BusyTimeout = options.Store.BusyTimeout });
                break;
        }

        services.AddSingleton<DeliveryRunner>();
        services.AddSingleton<Distributor>();
        services.AddSingleton<RetryScanner>();
        services.AddSingleton<LicenceWindows>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<NodeSession>();
        services.AddSingleton<DeliveryLedger>();
        var ffmpeg = new FfmpegOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.Courier.GetSection("Ingest:Ffmpeg"), ffmpeg);
        services.AddCourierFfmpeg(ffmpeg.Validated($"{CourierDefaults.SectionName}:Ingest:Ffmpeg"));
        services.AddSingleton<MasterPublisher>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<Core.Statistics.LedgerRetention>();
        return services;
    }

    /// <summary>Builds the targets now, so a bad target configuration fails at start-up with its key.</summary>
    public static void ValidateCourier(this IServiceProvider services) => services.GetRequiredService<TargetRegistry>();

    /// <summary>
    /// Composes Courier on <paramref name="services"/> (which may already hold logging or a clock), builds it and opens it
    /// (<see cref="OpenCourierAsync(IServiceProvider, CancellationToken)"/>): what every process that works on the ledger
    /// does first. Disposing the node releases what it still holds. A configuration that does not hold is
    /// <see cref="Core.Domain.BadInputException"/>; nothing is left open when anything fails.
    /// </summary>
    public static async Task<CourierNode> OpenCourierAsync(this IServiceCollection services, CourierConfiguration configuration, CancellationToken cancellationToken)
    {
        var provider = services.AddCourier(configuration).BuildServiceProvider();
        try
        {
            var session = await provider.OpenCourierAsync(cancellationToken).ConfigureAwait(false);
            return new CourierNode(provider, session);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a composed Courier as one node on the ledger: checks the targets, migrates the store and starts this node's
    /// <see cref="NodeSession"/> (heartbeat). The host stops the session when it stops, which releases what the node still
    /// holds. The CLI, the benchmarks and the test harnesses come here through the <see cref="IServiceCollection"/>
    /// overload; the server, whose host builds the services, calls this at start.
    /// </summary>
    public static async Task<NodeSession> OpenCourierAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        services.ValidateCourier();
        await services.GetRequiredService<Core.Storage.IStoreMaintenance>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        var session = services.GetRequiredService<NodeSession>();
        await session.StartAsync(cancellationToken).ConfigureAwait(false);
        return session;
    }
}
