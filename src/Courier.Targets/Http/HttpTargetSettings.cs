namespace Courier.Targets.Http;

/// <summary>An <c>http</c> target's own settings, checked.</summary>
/// <param name="BaseUrl">The absolute http(s) URL objects are put under; ends with '/'.</param>
/// <param name="Upload">Temp PUT + MOVE, or a single PUT.</param>
/// <param name="Headers">Extra request headers (e.g. auth). Their values are secrets: never logged, never in a message.</param>
/// <param name="Timeout">The longest wait for any progress: the answer to a request, or the next chunk of a body.</param>
/// <param name="ConnectTimeout">The longest wait for a TCP (and TLS) connection.</param>
internal sealed record HttpTargetSettings(
    Uri BaseUrl,
    HttpUploadMode Upload,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    TimeSpan Timeout,
    TimeSpan ConnectTimeout)
{
    /// <summary>The default of <see cref="Timeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="ConnectTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
}
