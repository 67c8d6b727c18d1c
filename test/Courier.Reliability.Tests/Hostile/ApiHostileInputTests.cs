using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Courier.Reliability.Tests.Hostile;

/// <summary>
/// Hostile input to the HTTP API of a running <c>courier serve</c>: each case is answered 4xx with problem details,
/// nothing is stored (no video, no file at the target), and the server stays healthy.
/// </summary>
public sealed class ApiHostileInputTests : IClassFixture<ApiServerFixture>
{
    private readonly ApiServerFixture _fixture;

    public ApiHostileInputTests(ApiServerFixture fixture) => _fixture = fixture;

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string Submit(string? videoId = "v1", object? renditions = null, object? targets = null) =>
        Json(new Dictionary<string, object?>
        {
            ["videoId"] = videoId,
            ["renditions"] = renditions ?? new[] { new { name = "360p", path = "v/360p.mp4" } },
            ["targets"] = targets,
        }.Where(p => p.Value is not null || p.Key == "videoId").ToDictionary());

    private static object[] One(string name, string path) => [new { name, path }];

    /// <summary>The cases by name; bodies are made when a case runs (some are megabytes).</summary>
    private static readonly Dictionary<string, Func<(string Body, string ContentType)>> Bodies = new()
    {
        ["body that is not JSON"] = () => ("this is not json", "application/json"),
        ["truncated JSON"] = () => ("{\"videoId\": \"v1\", \"renditions\": [", "application/json"),
        ["empty object"] = () => ("{}", "application/json"),
        ["JSON array instead of an object"] = () => ("[1,2,3]", "application/json"),
        ["JSON null"] = () => ("null", "application/json"),
        ["video id of the wrong type"] = () => ("{\"videoId\": 42, \"renditions\": [{\"name\":\"360p\",\"path\":\"v/360p.mp4\"}]}", "application/json"),
        ["renditions of the wrong type"] = () => ("{\"videoId\": \"v1\", \"renditions\": \"360p=v/360p.mp4\"}", "application/json"),
        ["rendition of the wrong type"] = () => ("{\"videoId\": \"v1\", \"renditions\": [\"v/360p.mp4\"]}", "application/json"),
        ["targets of the wrong type"] = () => (Submit(targets: "archive"), "application/json"),
        ["wait of the wrong type"] = () => ("{\"videoId\": \"v1\", \"renditions\": [{\"name\":\"360p\",\"path\":\"v/360p.mp4\"}], \"wait\": \"yes\"}", "application/json"),
        ["unknown field"] = () => ("{\"videoId\": \"v1\", \"renditions\": [{\"name\":\"360p\",\"path\":\"v/360p.mp4\"}], \"priority\": 9}", "application/json"),
        ["unknown field in a rendition"] = () => ("{\"videoId\": \"v1\", \"renditions\": [{\"name\":\"360p\",\"path\":\"v/360p.mp4\",\"codec\":\"h264\"}]}", "application/json"),
        ["trailing data after the object"] = () => (Submit() + " {\"videoId\":\"v2\"}", "application/json"),
        ["deeply nested JSON"] = () => ("{\"videoId\": \"v1\", \"renditions\": " + new string('[', 5000) + new string(']', 5000) + "}", "application/json"),
        ["huge body"] = () => ("{\"videoId\": \"v1\", \"pad\": \"" + new string('x', 40 * 1024 * 1024) + "\"}", "application/json"),
        ["text/plain body"] = () => (Submit(), "text/plain"),
        ["video id with .."] = () => (Submit("../etc"), "application/json"),
        ["video id with /"] = () => (Submit("a/b"), "application/json"),
        ["video id with a unicode slash"] = () => (Submit("movie\u2215x"), "application/json"),
        ["video id with a NUL"] = () => (Submit("movie\0x"), "application/json"),
        ["video id with a right-to-left override"] = () => (Submit("movie\u202E4pm"), "application/json"),
        ["video id of 129 characters"] = () => (Submit(new string('a', 129)), "application/json"),
        ["missing video id"] = () => (Submit(null), "application/json"),
        ["rendition path with .."] = () => (Submit(renditions: One("360p", "../outside.mp4")), "application/json"),
        ["rendition path through .. inside"] = () => (Submit(renditions: One("360p", "v/../../outside.mp4")), "application/json"),
        ["absolute rendition path"] = () => (Submit(renditions: One("360p", "/etc/passwd")), "application/json"),
        ["symbolic link escaping the source root"] = () => (Submit(renditions: One("360p", "link.mp4")), "application/json"),
        ["package with a symbolic link escaping"] = () => (Submit(renditions: One("1080p", "pkg/")), "application/json"),
        ["rendition path with a NUL"] = () => (Submit(renditions: One("360p", "v/360p.mp4\0.txt")), "application/json"),
        ["overlong rendition path"] = () => (Submit(renditions: One("360p", string.Join('/', Enumerable.Repeat(new string('d', 250), 40)))), "application/json"),
        ["rendition path with backslashes"] = () => (Submit(renditions: One("360p", "..\\..\\etc\\passwd")), "application/json"),
        ["rendition name with .."] = () => (Submit(renditions: One("..", "v/360p.mp4")), "application/json"),
        ["rendition name with /"] = () => (Submit(renditions: One("a/b", "v/360p.mp4")), "application/json"),
        ["overlong rendition name"] = () => (Submit(renditions: One(new string('n', 300), "v/360p.mp4")), "application/json"),
        ["rendition without a path"] = () => ("{\"videoId\": \"v1\", \"renditions\": [{\"name\":\"360p\"}]}", "application/json"),
        ["null rendition"] = () => ("{\"videoId\": \"v1\", \"renditions\": [null]}", "application/json"),
        ["no renditions"] = () => (Submit(renditions: Array.Empty<object>()), "application/json"),
        ["duplicate renditions"] = () => (Submit(renditions: new[] { new { name = "360p", path = "v/360p.mp4" }, new { name = "360p", path = "v/360p.mp4" } }), "application/json"),
        ["10,000 renditions in one call"] = () => (Submit(renditions: Enumerable.Range(0, 10_000).Select(i => new { name = $"r{i}", path = "v/360p.mp4" }).ToArray()), "application/json"),
        ["unknown target"] = () => (Submit(targets: new[] { "nosuch" }), "application/json"),
        ["named pipe as a rendition"] = () => (Submit(renditions: One("360p", "v/pipe.mp4")), "application/json"),
        ["package holding a named pipe"] = () => (Submit(renditions: One("hls", "piped/")), "application/json"),
        ["missing rendition file"] = () => (Submit(renditions: One("360p", "v/missing.mp4")), "application/json"),
    };

    public static TheoryData<string> Cases => new(Bodies.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_submission_is_refused_with_problem_details_and_stores_nothing(string name)
    {
        var (body, contentType) = Bodies[name]();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/videos")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiServerFixture.ApiKey);
        // As a well-behaved client of large uploads does: the server may refuse (413) before the body is sent.
        request.Headers.ExpectContinue = true;

        using var response = await _fixture.Server.Client.SendAsync(request, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        ((int)response.StatusCode).ShouldBeInRange(400, 499, $"{name}: {response.StatusCode} {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{name}: {text}");
        using (var problem = JsonDocument.Parse(text))
        {
            problem.RootElement.GetProperty("status").GetInt32().ShouldBe((int)response.StatusCode);
            problem.RootElement.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace($"{name}: a clear message");
        }

        text.ShouldNotContain("   at ", Case.Sensitive, $"{name}: no stack trace");
        text.ShouldNotContain("secret outside the source root");
        (await _fixture.Workspace.StoredAsync()).ShouldBe((0, 0), $"{name}: nothing stored");
        using var health = await _fixture.Server.Client.GetAsync("healthz", Ct);
        health.StatusCode.ShouldBe(HttpStatusCode.OK, $"{name}: the server stays healthy");
        _fixture.Server.Process.HasExited.ShouldBeFalse();
    }

    [Theory]
    [InlineData("api/videos/..%2Fetc")]
    [InlineData("api/videos/a%2Fb")]
    [InlineData("api/videos/%E2%88%95x")]
    [InlineData("api/videos/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("api/queue?state=exploded")]
    [InlineData("api/videos?limit=-1")]
    public async Task Hostile_reads_are_refused_with_problem_details(string path)
    {
        using var response = await _fixture.Server.Client.GetAsync(path, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        ((int)response.StatusCode).ShouldBeInRange(400, 499, $"{path}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{path}: {text}");
        (await _fixture.Workspace.StoredAsync()).ShouldBe((0, 0));
    }

    [Theory]
    [InlineData("api/deliveries/not-a-guid/retry")]
    [InlineData("api/deliveries/00000000-0000-0000-0000-000000000000/retry")]
    public async Task Retrying_a_delivery_that_does_not_exist_is_refused(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiServerFixture.ApiKey);

        using var response = await _fixture.Server.Client.SendAsync(request, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        ((int)response.StatusCode).ShouldBeInRange(400, 499, $"{path}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{path}: {text}");
        (await _fixture.Workspace.StoredAsync()).ShouldBe((0, 0));
    }
}
