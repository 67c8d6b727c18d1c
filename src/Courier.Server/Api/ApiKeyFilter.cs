using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Courier.Server.Api;

/// <summary>
/// Guards mutations: when <c>Api:ApiKey</c> is set, a request without <c>Authorization: Bearer KEY</c> gets 401. The key is
/// compared in constant time (as SHA-256 digests, so its length does not leak either) and never echoed or logged.
/// </summary>
internal sealed class ApiKeyFilter : IEndpointFilter
{
    private readonly byte[]? _keyDigest;

    public ApiKeyFilter(ApiOptions options)
    {
        _keyDigest = string.IsNullOrEmpty(options.ApiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiKey));
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_keyDigest is null || Authorized(context.HttpContext.Request))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"courier\"";
        return ValueTask.FromResult<object?>(Results.Problem(
            detail: "this call changes state and needs the API key: Authorization: Bearer KEY (Courier:Api:ApiKey)",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized"));
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _keyDigest);
    }
}
