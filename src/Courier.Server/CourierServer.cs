using Courier.Core.Distribution;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Courier.Server;

/// <summary>
/// <c>courier serve</c>: the HTTP API, the scanner (asynchronous path) and the node heartbeat in one process.
/// </summary>
public static class CourierServer
{
    /// <summary>
    /// Builds the server. Throws <see cref="Core.Domain.BadInputException"/> for a configuration that does not hold.
    /// <paramref name="configure"/> may replace services (tests: the clock).
    /// </summary>
    public static WebApplication Build(CourierConfiguration configuration, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = configuration.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration.Root);
        var api = new ApiOptions();
        configuration.Courier.GetSection("Api").Bind(api);
        builder.WebHost.UseUrls(api.Urls);
        builder.Services.AddSingleton(api);
        builder.Services.AddCourier(configuration);
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddHostedService<RetryScannerService>();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.Services.ValidateCourier();
        app.MapGet("/healthz", async (IDeliveryStore store, CancellationToken ct) =>
        {
            await store.PingAsync(ct).ConfigureAwait(false);
            return Results.Ok(new { status = "ok" });
        });
        return app;
    }

    /// <summary>Migrates the store, then keeps the node heartbeat beating while the server runs.</summary>
    private sealed class HeartbeatService(IDeliveryStore store, NodeHeartbeat heartbeat) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await heartbeat.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await heartbeat.DisposeAsync().ConfigureAwait(false);
    }
}
