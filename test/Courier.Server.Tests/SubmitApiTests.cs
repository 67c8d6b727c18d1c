using System.Net;
using System.Text.Json;

namespace Courier.Server.Tests;

public sealed class SubmitApiTests
{
    [Fact]
    public async Task Submit_distributes_every_rendition_to_every_target_and_answers_200_with_the_report()
    {
        await using var host = CourierHost.Create();
        var small = host.WriteSource("movie-1/360p.mp4", 10_000);
        var segment = host.WriteSource("movie-1/hls/seg_001.ts", 20_000);
        host.WriteSource("movie-1/hls/index.m3u8", 200);
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/api/videos", Json.Body(new
        {
            videoId = "movie-1",
            renditions = new[] { new { name = "360p", path = "movie-1/360p.mp4" }, new { name = "1080p", path = "movie-1/hls/" } },
        }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = await Json.ReadAsync(response);
        report.GetProperty("videoId").GetString().ShouldBe("movie-1");
        report.GetProperty("state").GetString().ShouldBe("distributed");
        var deliveries = report.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Count.ShouldBe(4);
        deliveries.ShouldAllBe(d => d.GetProperty("state").GetString() == "delivered" && d.GetProperty("attempts").GetInt32() == 1);
        foreach (var letter in new[] { "a", "b" })
        {
            File.ReadAllBytes(Path.Combine(host.TargetRoot(letter), "movie-1", "360p", "360p.mp4")).ShouldBe(small);
            File.ReadAllBytes(Path.Combine(host.TargetRoot(letter), "movie-1", "1080p", "seg_001.ts")).ShouldBe(segment);
        }

        using var status = await client.GetAsync("/api/videos/movie-1", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Json.ReadAsync(status)).GetProperty("state").GetString().ShouldBe("distributed");
    }

    [Fact]
    public async Task Submit_with_a_target_down_answers_202_with_that_delivery_queued()
    {
        await using var host = CourierHost.Create(withDownTarget: true);
        host.WriteSource("m/720p.mp4");
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/api/videos", Json.Body(new
        {
            videoId = "m",
            renditions = new[] { new { name = "720p", path = "m/720p.mp4" } },
            targets = new[] { host.TargetA, host.TargetDown },
        }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var report = await Json.ReadAsync(response);
        report.GetProperty("state").GetString().ShouldBe("partial");
        var byTarget = report.GetProperty("deliveries").EnumerateArray().ToDictionary(d => d.GetProperty("target").GetString()!);
        byTarget[host.TargetA].GetProperty("state").GetString().ShouldBe("delivered");
        var down = byTarget[host.TargetDown];
        down.GetProperty("state").GetString().ShouldBe("queued");
        down.GetProperty("lastError").GetString().ShouldNotBeNullOrEmpty();
        down.GetProperty("nextAttemptAt").ValueKind.ShouldBe(JsonValueKind.String);
    }

    [Fact]
    public async Task Submit_with_wait_false_answers_202_at_once_and_the_push_goes_on()
    {
        await using var host = CourierHost.Create();
        var bytes = host.WriteSource("w/360p.mp4", 200_000);
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/api/videos", Json.Body(new
        {
            videoId = "w",
            renditions = new[] { new { name = "360p", path = "w/360p.mp4" } },
            wait = false,
        }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        response.Headers.Location!.ToString().ShouldBe("/api/videos/w");
        (await Json.ReadAsync(response)).GetProperty("deliveries").GetArrayLength().ShouldBe(2);
        var final = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/w")),
            r => r.GetProperty("state").GetString() == "distributed",
            "the early-answered video to be distributed");
        final.GetProperty("deliveries").EnumerateArray().ShouldAllBe(d => d.GetProperty("state").GetString() == "delivered");
        File.ReadAllBytes(Path.Combine(host.TargetRoot("b"), "w", "360p", "360p.mp4")).ShouldBe(bytes);
    }

    [Fact]
    public async Task Submitting_the_same_content_twice_is_one_version()
    {
        await using var host = CourierHost.Create();
        host.WriteSource("same/360p.mp4");
        using var client = host.CreateClient();
        var body = new { videoId = "same", renditions = new[] { new { name = "360p", path = "same/360p.mp4" } } };

        using var first = await client.PostAsync("/api/videos", Json.Body(body), Ct);
        using var second = await client.PostAsync("/api/videos", Json.Body(body), Ct);

        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        var a = await Json.ReadAsync(first);
        var b = await Json.ReadAsync(second);
        b.GetProperty("version").GetInt32().ShouldBe(a.GetProperty("version").GetInt32());
        b.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("id").GetString())
            .ShouldBe(a.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("id").GetString()), ignoreOrder: true);
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "unknown field", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"}],"priority":1}""", "priority" },
        { "unknown nested field", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4","codec":"h264"}]}""", "renditions[0].codec" },
        { "wrong type", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"},{"name":"720p","path":7}]}""", "renditions[1].path" },
        { "wrong type of wait", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"}],"wait":"no"}""", "wait" },
        { "trailing garbage", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"}]} {"videoId":"x"}""", "$" },
        { "not JSON", "videoId=v", "$" },
        { "an array", "[]", "$" },
        { "missing video id", """{"renditions":[{"name":"360p","path":"v/360p.mp4"}]}""", "videoId" },
        { "bad video id", """{"videoId":"../etc","renditions":[{"name":"360p","path":"v/360p.mp4"}]}""", "videoId" },
        { "no renditions", """{"videoId":"v","renditions":[]}""", "renditions" },
        { "missing source file", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"},{"name":"720p","path":"v/nope.mp4"}]}""", "renditions[1].path" },
        { "path escaping the source root", """{"videoId":"v","renditions":[{"name":"360p","path":"../../etc/passwd"}]}""", "renditions[0].path" },
        { "unknown target", """{"videoId":"v","renditions":[{"name":"360p","path":"v/360p.mp4"}],"targets":["nowhere"]}""", "targets[0]" },
        { "empty body", "", "$" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_400_problem_details_naming_the_field_and_nothing_is_stored(string why, string body, string field)
    {
        await using var host = CourierHost.Create();
        host.WriteSource("v/360p.mp4");
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/api/videos", Json.Raw(body), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, why);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await Json.ReadAsync(response);
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        problem.GetProperty("field").GetString().ShouldBe(field, why);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
        var videos = await Json.ReadAsync(await client.GetAsync("/api/videos", Ct));
        videos.GetProperty("videos").GetArrayLength().ShouldBe(0, why);
        (Directory.Exists(host.TargetRoot("a")) && Directory.EnumerateFiles(host.TargetRoot("a"), "*", SearchOption.AllDirectories).Any()).ShouldBeFalse(why);
    }

    [Fact]
    public async Task Deeply_nested_json_is_refused_with_400()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();
        var nested = """{"videoId":"v","renditions":""" + new string('[', 100) + new string(']', 100) + "}";

        using var response = await client.PostAsync("/api/videos", Json.Raw(nested), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json.ReadAsync(response)).GetProperty("field").GetString()!.ShouldStartWith("renditions");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_nothing_is_stored()
    {
        await using var host = CourierHost.Create(settings: new Dictionary<string, string?> { ["Api:MaxBodyBytes"] = "2048" });
        host.WriteSource("big/360p.mp4");
        using var client = host.CreateClient();
        var padding = new string(' ', 4096);

        using var response = await client.PostAsync("/api/videos", Json.Raw("""{"videoId":"big","renditions":[{"name":"360p","path":"big/360p.mp4"}]}""" + padding), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var video = await client.GetAsync("/api/videos/big", Ct);
        video.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Report_of_an_unknown_video_is_404_and_of_an_invalid_id_400()
    {
        await using var host = CourierHost.Create();
        using var client = host.CreateClient();

        using var unknown = await client.GetAsync("/api/videos/never-seen", Ct);
        using var invalid = await client.GetAsync("/api/videos/" + Uri.EscapeDataString("bad id!"), Ct);

        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Json.ReadAsync(unknown)).GetProperty("detail").GetString()!.ShouldContain("no such video");
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json.ReadAsync(invalid)).GetProperty("field").GetString().ShouldBe("videoId");
    }

    [Fact]
    public async Task Recent_videos_are_listed_newest_first()
    {
        await using var host = CourierHost.Create();
        host.WriteSource("one/360p.mp4");
        host.WriteSource("two/360p.mp4");
        using var client = host.CreateClient();
        foreach (var id in new[] { "one", "two" })
        {
            using var r = await client.PostAsync("/api/videos", Json.Body(new { videoId = id, renditions = new[] { new { name = "360p", path = $"{id}/360p.mp4" } } }), Ct);
            r.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var list = await Json.ReadAsync(await client.GetAsync("/api/videos?limit=10", Ct));

        list.GetProperty("videos").EnumerateArray().Select(v => v.GetProperty("videoId").GetString()).ShouldBe(["two", "one"]);
        using var bad = await client.GetAsync("/api/videos?limit=0", Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
