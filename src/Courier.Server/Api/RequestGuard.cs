using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Courier.Server.Api;

/// <summary>
/// Keeps web pages the operator opens from driving the API (cross-site request forgery, DNS rebinding), with or without
/// an API key: every request must name one of the <c>Api:Urls</c> hosts in <c>Host</c> (a loopback bind also answers to
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>; a wildcard bind to any name), else 421. A mutation (any method
/// but GET, HEAD, OPTIONS, TRACE) from another origin (<c>Origin</c>, <c>Sec-Fetch-Site</c>) gets 403, and one whose
/// <c>Content-Type</c> is not <c>application/json</c> — or that has a body and no <c>Content-Type</c> — gets 415.
/// <c>Api:PublicOrigins</c> names the origins of a reverse proxy in front, which count as the server's own.
/// </summary>
internal sealed class RequestGuard
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];
    private static readonly string[] WildcardHosts = ["*", "+", "0.0.0.0", "[::]"];

    /// <summary>The hosts <c>Host</c> may name; null when a wildcard bind lets any name in.</summary>
    private readonly HashSet<string>? _hosts;

    /// <summary>Origins that count as the server's own besides the one <c>Host</c> names (<c>Api:PublicOrigins</c>).</summary>
    private readonly HashSet<string> _publicOrigins;

    public RequestGuard(ApiOptions options)
    {
        _publicOrigins = new HashSet<string>(
            (options.PublicOrigins ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(o => o.TrimEnd('/')),
            StringComparer.OrdinalIgnoreCase);
        _hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = HostOf(url);
            if (WildcardHosts.Contains(host))
            {
                _hosts = null;
                return;
            }

            _hosts.UnionWith(LoopbackHosts.Contains(host, StringComparer.OrdinalIgnoreCase) ? LoopbackHosts : [host]);
        }
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (_hosts is not null && !_hosts.Contains(request.Host.Host))
        {
            return RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, "Misdirected request", "the Host header does not name this server (Courier:Api:Urls)");
        }

        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return next(context);
        }

        if (!SameOrigin(request))
        {
            return RefuseAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "a request that changes state must come from this server's own origin");
        }

        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if ((hasBody || request.ContentType is not null) && !IsJson(request.ContentType))
        {
            return RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"the request body must be application/json, not {request.ContentType ?? "untyped"}");
        }

        return next(context);
    }

    /// <summary>The host of a Kestrel URL (<c>http://HOST:PORT</c>, where HOST may be <c>*</c>, <c>+</c> or <c>[v6]</c>), lower case.</summary>
    internal static string HostOf(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var authority = start < 0 ? url : url[(start + 3)..];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        authority = slash < 0 ? authority : authority[..slash];
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return (close < 0 ? authority : authority[..(close + 1)]).ToLowerInvariant();
        }

        var colon = authority.LastIndexOf(':');
        return (colon < 0 ? authority : authority[..colon]).ToLowerInvariant();
    }

    private bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase) || _publicOrigins.Contains(origin);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static Task RefuseAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);
}
