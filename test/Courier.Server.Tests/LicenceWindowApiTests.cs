using System.Net;
using System.Text.Json;

namespace Courier.Server.Tests;

/// <summary>
/// Licence windows through the API: <c>availableFrom</c> / <c>availableUntil</c> on <c>POST /api/videos</c> and
/// <c>POST /api/ingest</c>. A window that is not one is 400 naming the field, with nothing stored; a window in the future
/// is accepted, and its deliveries wait <c>scheduled</c>, unpushed.
/// </summary>
public sealed class LicenceWindowApiTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["Ingest:Ffmpeg:Preset"] = "ultrafast" };

    public static TheoryData<string, string?, string?, string, string> BadWindows => new()
    {
        { "/api/videos", "not-a-date", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/videos", "2030-13-45T00:00:00Z", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/videos", "12/01/2030", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/videos", "", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/videos", null, "tomorrow", "availableUntil", "not an ISO 8601 date and time" },
        { "/api/videos", "2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z", "availableUntil", "must be after availableFrom" },
        { "/api/videos", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "availableUntil", "must be after availableFrom" },
        { "/api/videos", null, "2020-01-01T00:00:00Z", "availableUntil", "already past" },
        { "/api/ingest", "not-a-date", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/ingest", "01/12/2030 18:00", null, "availableFrom", "not an ISO 8601 date and time" },
        { "/api/ingest", null, "2030-02-30T00:00:00Z", "availableUntil", "not an ISO 8601 date and time" },
        { "/api/ingest", "2030-01-02T00:00:00+01:00", "2030-01-01T23:00:00Z", "availableUntil", "must be after availableFrom" },
    };

    [Theory]
    [MemberData(nameof(BadWindows))]
    public async Task A_window_that_is_not_one_is_400_naming_the_field_and_nothing_is_stored(string endpoint, string? from, string? until, string field, string reason)
    {
        await using var host = CourierHost.Create(settings: Settings);
        using var client = host.CreateClient();

        using var response = await client.PostAsync(endpoint, Json.Body(Body(host, endpoint, "movie-1", from, until)), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await Json.ReadAsync(response);
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        problem.GetProperty("field").GetString().ShouldBe(field);
        problem.GetProperty("detail").GetString()!.ShouldContain(reason);
        using var status = await client.GetAsync("/api/videos/movie-1", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound, "nothing stored");
        Directory.Exists(Path.Combine(host.Media, "movie-1", "ingest-1")).ShouldBeFalse("nothing transcoded");
        Files(host).ShouldBeEmpty("nothing pushed");
    }

    [Theory]
    [InlineData("/api/videos", "availableFrom")]
    [InlineData("/api/ingest", "availableUntil")]
    public async Task A_window_field_that_is_not_a_string_is_400_naming_it(string endpoint, string field)
    {
        await using var host = CourierHost.Create(settings: Settings);
        using var client = host.CreateClient();
        var body = JsonSerializer.SerializeToNode(Body(host, endpoint, "movie-1", null, null))!.AsObject();
        body[field] = 20301201;

        using var response = await client.PostAsync(endpoint, Json.Raw(body.ToJsonString()), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json.ReadAsync(response)).GetProperty("field").GetString().ShouldBe(field);
        using var status = await client.GetAsync("/api/videos/movie-1", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/videos")]
    [InlineData("/api/ingest")]
    public async Task A_future_window_is_accepted_and_its_deliveries_wait_scheduled_unpushed(string endpoint)
    {
        await using var host = CourierHost.Create(settings: Settings);
        using var client = host.CreateClient();
        var from = DateTimeOffset.UtcNow.AddDays(1);
        var until = from.AddDays(30);
        if (endpoint == "/api/ingest")
        {
            await Clips.GenerateAsync(Path.Combine(host.Media, "raw/movie-1.mp4"), 640, 360, 1);
        }

        using var response = await client.PostAsync(endpoint, Json.Body(Body(host, endpoint, "movie-1", from.ToString("O"), until.ToString("O"))), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        using var status = await client.GetAsync("/api/videos/movie-1", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.OK);
        var deliveries = (await Json.ReadAsync(status)).GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Select(d => d.GetProperty("target").GetString()).Order().ShouldBe(new[] { host.TargetA, host.TargetB }.Order());
        deliveries.ShouldAllBe(d => d.GetProperty("state").GetString() == "scheduled" && d.GetProperty("attempts").GetInt32() == 0);
        deliveries.ShouldAllBe(d => Math.Abs((d.GetProperty("nextAttemptAt").GetDateTimeOffset() - from).TotalMilliseconds) < 1, "due when the window opens");
        Files(host).ShouldBeEmpty("nothing is pushed before the window opens");
    }

    private static object Body(CourierHost host, string endpoint, string videoId, string? from, string? until)
    {
        if (endpoint == "/api/ingest")
        {
            return new { videoId, source = $"raw/{videoId}.mp4", ladder = new[] { "360p" }, availableFrom = from, availableUntil = until };
        }

        host.WriteSource($"{videoId}/360p.mp4", 1000);
        return new { videoId, renditions = new[] { new { name = "360p", path = $"{videoId}/360p.mp4" } }, availableFrom = from, availableUntil = until };
    }

    private static List<string> Files(CourierHost host) =>
        [.. new[] { "a", "b" }.Select(host.TargetRoot).Where(Directory.Exists).SelectMany(root => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))];
}
