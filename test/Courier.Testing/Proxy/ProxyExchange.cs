namespace Courier.Testing.Proxy;

/// <summary>One request the proxy saw and what it did with it.</summary>
/// <param name="Index">The request's index (0-based) over every request the proxy saw.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Target">The request target (path and query).</param>
/// <param name="BodyBytesRead">Body bytes the proxy read from the client.</param>
/// <param name="Fault">The fault injected (<see cref="Fault.Pass"/> when forwarded untouched).</param>
/// <param name="Status">The status the client was answered, or null when it got none (reset, hang, stall).</param>
/// <param name="Headers">The request headers as the client sent them.</param>
public sealed record ProxyExchange(int Index, string Method, string Target, long BodyBytesRead, Fault Fault, int? Status, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>When the proxy had read the request head (wall clock).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the exchange ended: the answer was sent, or the proxy gave up on it (wall clock).</summary>
    public DateTimeOffset EndedAt { get; init; }

    /// <summary>The value of the request header <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
