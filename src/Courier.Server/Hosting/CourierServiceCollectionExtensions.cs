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
    /// Composes Courier on <paramref name="services"/> (which may already hold logging or a clock), builds it, checks the
    /// targets and migrates the store: what every process that works on the ledger does first. A configuration that does not
    /// hold is <see cref="Core.Domain.BadInputException"/>; nothing is left open when anything fails.
    /// </summary>
    public static async Task<ServiceProvider> OpenCourierAsync(this IServiceCollection services, CourierConfiguration configuration, CancellationToken cancellationToken)
    {
        var provider = services.AddCourier(configuration).BuildServiceProvider();
        try
        {
            provider.ValidateCourier();
            await provider.GetRequiredService<Core.Storage.IDeliveryStore>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
