using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Courier.Server.Dashboard;

/// <summary>
/// <c>GET /</c>: the dashboard, one page served by Courier itself (HTML, CSS and script embedded in this assembly, charts
/// drawn as inline SVG, nothing loaded from elsewhere). It polls the API every few seconds.
/// </summary>
internal static class DashboardEndpoints
{
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        var html = Load("dashboard.html");
        var css = Load("dashboard.css");
        var js = Load("dashboard.js");
        app.MapGet("/", (HttpContext context) => Serve(context, html, "text/html; charset=utf-8"));
        app.MapGet("/dashboard.css", (HttpContext context) => Serve(context, css, "text/css; charset=utf-8"));
        app.MapGet("/dashboard.js", (HttpContext context) => Serve(context, js, "text/javascript; charset=utf-8"));
    }

    private static IResult Serve(HttpContext context, byte[] content, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(content, contentType);
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Courier.Server.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the dashboard resource {name} is missing from the assembly");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
