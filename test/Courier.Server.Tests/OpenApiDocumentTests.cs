using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Courier.Server.Tests;

public sealed class OpenApiDocumentTests
{
    private const string Key = CourierHost.ApiKey;

    [Fact]
    public async Task The_document_is_valid_OpenAPI_3_and_describes_every_api_route()
    {
        await using var host = CourierHost.CreateWithApiKey();
        using var client = host.CreateClient();

        // Open without the key: the description is no secret.
        using var response = await client.GetAsync("/openapi/v1.json", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var read = await OpenApiDocument.LoadAsync(stream, "json", new OpenApiReaderSettings(), Ct);
        read.Diagnostic!.Errors.ShouldBeEmpty();
        read.Diagnostic.SpecificationVersion.ShouldBeOneOf(OpenApiSpecVersion.OpenApi3_0, OpenApiSpecVersion.OpenApi3_1);
        var document = read.Document!;
        document.Components!.SecuritySchemes!.ShouldContainKey("bearer");

        var routes = host.Provider.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/", StringComparison.Ordinal) || raw == "/healthz"))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m, Path: e.RoutePattern.RawText!)))
            .ToList();
        routes.Count.ShouldBeGreaterThan(10);

        var missing = new List<string>();
        foreach (var (method, path) in routes)
        {
            var operation = document.Paths.TryGetValue(path, out var item) && item.Operations is { } operations
                && operations.TryGetValue(new HttpMethod(method), out var found) ? found : null;
            if (operation?.Responses is not { } responses || !responses.Keys.Any(k => k.StartsWith('2') && responses[k].Content is { Count: > 0 }))
            {
                missing.Add($"{method} {path}");
                continue;
            }

            responses.ShouldContainKey("421", $"{method} {path}: a foreign Host is refused");
            foreach (var (status, answer) in responses.Where(r => r.Key.StartsWith('4')))
            {
                answer.Content!.Keys.ShouldBe(["application/problem+json"], $"{method} {path} {status}");
            }

            if (method is "POST" or "DELETE")
            {
                responses.ShouldContainKey("401", $"{method} {path}");
                responses.ShouldContainKey("403", $"{method} {path}: a foreign Origin is refused");
                responses.ShouldContainKey("415", $"{method} {path}: a body that is not JSON is refused");
                operation.Security!.SelectMany(r => r.Keys).Select(s => s.Reference.Id).ShouldContain("bearer", $"{method} {path}");
            }
        }

        missing.ShouldBeEmpty("routes the OpenAPI document does not describe");
        var submit = document.Paths["/api/videos"].Operations![HttpMethod.Post];
        submit.RequestBody!.Content!["application/json"].Schema!.Properties!.Keys.ShouldContain("renditions");
    }

    [Fact]
    public async Task The_dashboard_links_to_the_document()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        var html = await client.GetStringAsync("/", Ct);

        html.ShouldContain("href=\"/openapi/v1.json\"");
    }
}
