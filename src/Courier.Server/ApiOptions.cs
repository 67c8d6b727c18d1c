using Courier.Core.Configuration;

namespace Courier.Server;

/// <summary>The <c>Courier:Api</c> section.</summary>
public sealed class ApiOptions : IValidatableOptions
{
    /// <summary>Where the server listens. <value>The default is <c>http://127.0.0.1:5080</c> (loopback only).</value></summary>
    public string Urls { get; set; } = Core.Configuration.CourierDefaults.ApiUrls;

    /// <summary>
    /// When set, mutations (every <c>POST</c>) need <c>Authorization: Bearer KEY</c>; reads stay open.
    /// <value>The default is none.</value>
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, <c>;</c>-separated) that also count as the server's own, for a dashboard
    /// reached through a reverse proxy (e.g. <c>https://courier.example.net</c>). <value>The default is none.</value>
    /// </summary>
    public string? PublicOrigins { get; set; }

    /// <summary>The largest request body accepted; larger ones get 413. <value>The default is 1 MiB.</value></summary>
    public long MaxBodyBytes { get; set; } = ServerDefaults.MaxBodyBytes;

    /// <summary>How often the gauges of <c>/metrics</c> re-read the store. <value>The default is 5 seconds.</value></summary>
    public TimeSpan MetricsRefreshInterval { get; set; } = ServerDefaults.MetricsRefreshInterval;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Urls))
        {
            yield return new($"{section}:Urls", $"{section}:Urls must not be empty");
        }

        if (MaxBodyBytes < 1024)
        {
            yield return new($"{section}:MaxBodyBytes", $"{section}:MaxBodyBytes must be at least 1024, not {MaxBodyBytes}");
        }

        if (MetricsRefreshInterval <= TimeSpan.Zero)
        {
            yield return new($"{section}:MetricsRefreshInterval", $"{section}:MetricsRefreshInterval must be a positive time span, not {MetricsRefreshInterval}");
        }

        if (ApiKey is { Length: > 0 and < 16 })
        {
            yield return new($"{section}:ApiKey", $"{section}:ApiKey must be at least 16 characters");
        }
    }
}
