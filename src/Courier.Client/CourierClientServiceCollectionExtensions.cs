using Microsoft.Extensions.DependencyInjection;

namespace Courier.Client;

/// <summary>Registers <see cref="CourierClient"/> as a typed client of <see cref="IHttpClientFactory"/>.</summary>
public static class CourierClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="CourierClient"/> as a typed <see cref="HttpClient"/> client configured by <paramref name="configure"/>;
    /// answers the builder, to add handlers (resilience, logging) the usual way.
    /// </summary>
    public static IHttpClientBuilder AddCourierClient(this IServiceCollection services, Action<CourierClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new CourierClientOptions();
        configure(options);
        if (options.BaseAddress is null)
        {
            throw new ArgumentException("CourierClientOptions.BaseAddress is required: the server, e.g. http://127.0.0.1:5080/", nameof(configure));
        }

        return services.AddHttpClient<CourierClient>(http =>
        {
            http.BaseAddress = options.BaseAddress;
            http.Timeout = options.Timeout;
            CourierClientOptions.Authorize(http, options.ApiKey);
        });
    }
}
