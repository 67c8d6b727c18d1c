namespace Courier.Server;

/// <summary>The <c>Courier:Api</c> section.</summary>
public sealed class ApiOptions
{
    /// <summary>Where the server listens. <value>The default is <c>http://127.0.0.1:5080</c> (loopback only).</value></summary>
    public string Urls { get; set; } = Core.Configuration.CourierDefaults.ApiUrls;

    /// <summary>
    /// When set, mutations (every <c>POST</c>) need <c>Authorization: Bearer KEY</c>; reads stay open.
    /// <value>The default is none.</value>
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest request body accepted; larger ones get 413. <value>The default is 1 MiB.</value></summary>
    public long MaxBodyBytes { get; set; } = ServerDefaults.MaxBodyBytes;

    /// <summary>How often the gauges of <c>/metrics</c> re-read the store. <value>The default is 5 seconds.</value></summary>
    public TimeSpan MetricsRefreshInterval { get; set; } = ServerDefaults.MetricsRefreshInterval;

    /// <summary>The problems of these options, each naming its configuration key.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Urls))
        {
            problems.Add("Courier:Api:Urls must not be empty");
        }

        if (MaxBodyBytes < 1024)
        {
            problems.Add($"Courier:Api:MaxBodyBytes must be at least 1024, not {MaxBodyBytes}");
        }

        if (MetricsRefreshInterval <= TimeSpan.Zero)
        {
            problems.Add($"Courier:Api:MetricsRefreshInterval must be a positive time span, not {MetricsRefreshInterval}");
        }

        if (ApiKey is { Length: > 0 and < 16 })
        {
            problems.Add("Courier:Api:ApiKey must be at least 16 characters");
        }

        return problems;
    }
}
