using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Courier.Client;

namespace Courier.Server.Tests;

/// <summary>
/// A web page the operator opens must not drive the API (cross-site request forgery, DNS rebinding), even with no API
/// key: untyped or non-JSON bodies get 415, a foreign <c>Origin</c> 403, a foreign <c>Host</c> 421, and nothing is stored.
/// Real HTTP against Kestrel on loopback.
/// </summary>
public sealed class CrossSiteTests : IAsyncLifetime
{
    private const string Submission = """{"videoId":"csrf-1","renditions":[{"name":"360p","path":"csrf-1/360p.mp4"}]}""";
    private const string ProxyOrigin = "https://courier.example.net";
    private readonly CourierHost _host = CourierHost.Create(settings: new Dictionary<string, string?> { ["Api:PublicOrigins"] = ProxyOrigin });
    private readonly HttpClient _http = new();
    private Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        _host.WriteSource("csrf-1/360p.mp4", 10_000);
        _address = await _host.StartKestrelAsync();
        _http.BaseAddress = _address;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private static HttpRequestMessage Submit(string? contentType, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/videos") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Submission)) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private async Task ShouldBeRefusedAndNothingStoredAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var stored = await _http.GetAsync("api/videos/csrf-1", Ct);
        stored.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        File.Exists(Path.Combine(_host.TargetRoot("a"), "csrf-1", "360p", "360p.mp4")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_body_without_content_type_is_refused_with_415_and_nothing_is_stored()
    {
        using var response = await _http.SendAsync(Submit(null), Ct);

        await ShouldBeRefusedAndNothingStoredAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_text_plain_body_is_refused_with_415_and_nothing_is_stored()
    {
        using var response = await _http.SendAsync(Submit("text/plain"), Ct);

        await ShouldBeRefusedAndNothingStoredAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_with_403_and_nothing_is_stored()
    {
        using var response = await _http.SendAsync(Submit("application/json", "http://evil.example"), Ct);

        await ShouldBeRefusedAndNothingStoredAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_bodiless_mutation_from_a_foreign_origin_is_refused_with_403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/deliveries/1/retry");
        request.Headers.Add("Origin", $"http://localhost:{_address.Port + 1}");

        using var response = await _http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_foreign_host_is_refused_with_421_for_reads_and_mutations()
    {
        using var read = new HttpRequestMessage(HttpMethod.Get, "api/stats");
        read.Headers.Host = $"rebound.example:{_address.Port}";
        using var readResponse = await _http.SendAsync(read, Ct);
        readResponse.StatusCode.ShouldBe(HttpStatusCode.MisdirectedRequest);

        using var submit = Submit("application/json");
        submit.Headers.Host = $"rebound.example:{_address.Port}";
        using var response = await _http.SendAsync(submit, Ct);

        await ShouldBeRefusedAndNothingStoredAsync(response, HttpStatusCode.MisdirectedRequest);
    }

    [Fact]
    public async Task Same_origin_and_origin_less_json_requests_and_localhost_still_work()
    {
        using (var sameOrigin = await _http.SendAsync(Submit("application/json; charset=utf-8", $"http://127.0.0.1:{_address.Port}"), Ct))
        {
            sameOrigin.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var localhost = new HttpRequestMessage(HttpMethod.Get, "api/videos/csrf-1");
        localhost.Headers.Host = $"localhost:{_address.Port}";
        using (var read = await _http.SendAsync(localhost, Ct))
        {
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using (var bodiless = await _http.PostAsync("api/deliveries/999999/retry", null, Ct))
        {
            bodiless.StatusCode.ShouldBe(HttpStatusCode.NotFound, "a bodiless retry without Origin reaches the endpoint");
        }

        var report = await CourierClient.Create(_address).SubmitAsync(new VideoSubmission("csrf-1", [new RenditionSource("360p", "csrf-1/360p.mp4")], [_host.TargetB]), Ct);
        report.State.ShouldBe("distributed");
        File.Exists(Path.Combine(_host.TargetRoot("b"), "csrf-1", "360p", "360p.mp4")).ShouldBeTrue();
    }

    [Fact]
    public async Task An_origin_listed_in_public_origins_may_submit()
    {
        using var response = await _http.SendAsync(Submit("application/json", ProxyOrigin), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        File.Exists(Path.Combine(_host.TargetRoot("a"), "csrf-1", "360p", "360p.mp4")).ShouldBeTrue();
    }
}
