using Courier.Core.Configuration;
using Courier.Core.Diagnostics;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Server.Api;
using Courier.Server.Dashboard;
using Courier.Server.Hosting;
using Courier.Server.Metrics;
using Courier.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Courier.Server;

/// <summary>
/// <c>courier serve</c>: the HTTP API, the dashboard, <c>/metrics</c>, the webhooks and the scanner (asynchronous path) in
/// one process.
/// </summary>
public static class CourierServer
{
    private static readonly double[] SecondsBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

    /// <summary>
    /// Builds the server. Throws <see cref="BadInputException"/> for a configuration that does not hold.
    /// <paramref name="configure"/> may replace services (tests: the clock).
    /// </summary>
    public static WebApplication Build(CourierConfiguration configuration, Action<IServiceCollection>? configure = null) =>
        Build(configuration, configure, null);

    /// <summary>Like <see cref="Build(CourierConfiguration, Action{IServiceCollection})"/>; <paramref name="host"/> may change the host (tests: an in-memory server).</summary>
    internal static WebApplication Build(CourierConfiguration configuration, Action<IServiceCollection>? configure, Action<WebApplicationBuilder>? host)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = configuration.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration.Root);
        var api = Bind<ApiOptions>(configuration, "Api");
        var notify = Bind<NotifyOptions>(configuration, "Notify");
        var webhooks = BindWebhooks(configuration);
        ConfigurationProblems.ThrowIfAny(api.Validate($"{CourierDefaults.SectionName}:Api").Concat(notify.Validate($"{CourierDefaults.SectionName}:Notify")));

        // Request logs are noise at information level; Courier's own logs say what happened. Configuration may lower this.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.WebHost.UseUrls(api.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = api.MaxBodyBytes;
        });
        builder.Services.AddSingleton(api);
        builder.Services.AddSingleton(notify);
        builder.Services.AddCourier(configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<CourierExceptionHandler>();
        builder.Services.AddSingleton<ApiKeyFilter>();
        builder.Services.AddCourierOpenApi();
        builder.Services.AddSingleton(sp => new ServerClock(sp.GetRequiredService<TimeProvider>().GetUtcNow()));

        builder.Services.AddSingleton<IEventConsumer, TimeToDistributedRecorder>();
        builder.Services.AddSingleton(_ => new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = notify.Timeout,
        })
        {
            Timeout = notify.Timeout,
        });
        foreach (var webhook in webhooks)
        {
            builder.Services.AddSingleton<IEventConsumer>(sp => ActivatorUtilities.CreateInstance<WebhookSender>(sp, webhook, sp.GetRequiredService<HttpClient>()));
        }

        builder.Services.AddSingleton<EventRelay>();
        builder.Services.AddSingleton<BackgroundPushes>();
        builder.Services.AddSingleton<StoreSnapshotService>();

        // Started in this order, stopped in reverse: the store is migrated before anything reads it, and the early-answered
        // pushes stop before the scanner releases this node's deliveries.
        builder.Services.AddHostedService<NodeSessionService>();
        builder.Services.AddHostedService<RetryScannerService>();
        builder.Services.AddHostedService<ScanHousekeepingService>();
        builder.Services.AddHostedService<LicenceWindowService>();
        builder.Services.AddHostedService<Core.Statistics.LedgerRetentionService>();
        builder.Services.AddHostedService<EventRelayService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreSnapshotService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BackgroundPushes>());
        if (configuration.Courier.GetSection("Ingest")["WatchFolder"] is { Length: > 0 })
        {
            builder.Services.AddSingleton<Core.Ingest.WatchFolder>();
            builder.Services.AddHostedService<Core.Ingest.WatchFolderService>();
        }

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(CourierTelemetry.Name)
            .AddView("courier.attempt.duration", new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets })
            .AddView("courier.video.time_to_distributed", new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets })
            .AddPrometheusExporter());
        if (OtlpEndpoint(configuration) is { } otlp)
        {
            // Spans of submissions, delivery attempts and file pushes, sent by OTLP; off unless configured.
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddSource(CourierTelemetry.Name)
                .AddOtlpExporter(exporter => exporter.Endpoint = otlp));
        }

        configure?.Invoke(builder.Services);
        host?.Invoke(builder);

        var app = builder.Build();
        app.Services.ValidateCourier();
        _ = app.Services.GetRequiredService<ServerClock>();

        app.UseExceptionHandler();
        var guard = new RequestGuard(api);
        app.Use(guard.InvokeAsync);
        var mutations = app.MapGroup(string.Empty).AddEndpointFilter<ApiKeyFilter>();
        VideoEndpoints.Map(app, mutations);
        QueueEndpoints.Map(app, mutations);
        IngestEndpoints.Map(mutations);
        ReconcileEndpoints.Map(mutations);
        StatsEndpoints.Map(app);
        HealthEndpoints.Map(app);
        DashboardEndpoints.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        return app;
    }

    private static T Bind<T>(CourierConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        try
        {
            configuration.Courier.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new BadInputException($"{CourierDefaults.SectionName}:{section}", $"configuration: {e.InnerException?.Message ?? e.Message}");
        }

        return options;
    }

    /// <summary><c>Courier:Telemetry:OtlpEndpoint</c>: where to send spans by OTLP (gRPC, e.g. <c>http://127.0.0.1:4317</c>); null when not set.</summary>
    private static Uri? OtlpEndpoint(CourierConfiguration configuration)
    {
        var value = configuration.Courier.GetSection("Telemetry")["OtlpEndpoint"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new BadInputException("Courier:Telemetry:OtlpEndpoint", "configuration: Courier:Telemetry:OtlpEndpoint must be an absolute http(s) URL");
    }

    private static List<WebhookOptions> BindWebhooks(CourierConfiguration configuration)
    {
        var webhooks = new List<WebhookOptions>();
        var problems = new List<ConfigurationProblem>();
        foreach (var section in configuration.Courier.GetSection("Webhooks").GetChildren())
        {
            var webhook = new WebhookOptions();
            try
            {
                section.Bind(webhook);
            }
            catch (InvalidOperationException e)
            {
                problems.Add(new(section.Path, $"{section.Path}: {e.InnerException?.Message ?? e.Message}"));
                continue;
            }

            problems.AddRange(webhook.Validate(section.Path));
            webhooks.Add(webhook);
        }

        foreach (var duplicate in webhooks.GroupBy(w => w.ConsumerName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add(new("Courier:Webhooks", $"Courier:Webhooks: two webhooks share the name {duplicate.Key}; give them distinct Name or Url"));
        }

        ConfigurationProblems.ThrowIfAny(problems);
        return webhooks;
    }

    /// <summary>
    /// Opens this node (<see cref="CourierServiceCollectionExtensions.OpenCourierAsync(IServiceProvider, CancellationToken)"/>:
    /// targets checked, store migrated, <see cref="NodeSession"/> started) and stops its session when the server stops.
    /// Started first and stopped last, so the release of what this node still holds comes after every loop and push has
    /// stopped.
    /// </summary>
    private sealed class NodeSessionService(IServiceProvider services) : IHostedService
    {
        private NodeSession? _session;

        public async Task StartAsync(CancellationToken cancellationToken) =>
            _session = await services.OpenCourierAsync(cancellationToken).ConfigureAwait(false);

        public Task StopAsync(CancellationToken cancellationToken) => _session?.StopAsync(CancellationToken.None) ?? Task.CompletedTask;
    }
}
