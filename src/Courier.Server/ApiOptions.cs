namespace Courier.Server;

/// <summary>The <c>Courier:Api</c> section.</summary>
public sealed class ApiOptions
{
    /// <summary>Where the server listens. <value>The default is <c>http://127.0.0.1:5080</c> (loopback only).</value></summary>
    public string Urls { get; set; } = Core.Configuration.CourierDefaults.ApiUrls;

    /// <summary>When set, mutations need <c>Authorization: Bearer KEY</c>. <value>The default is none.</value></summary>
    public string? ApiKey { get; set; }
}
