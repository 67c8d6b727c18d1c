using System.Net;
using System.Net.Http.Headers;

namespace Courier.Server.Tests;

public sealed class ReconcileApiTests
{
    private const string Key = CourierHost.ApiKey;

    [Fact]
    public async Task Reconcile_needs_the_api_key_and_requeues_a_file_missing_at_its_target_which_is_then_delivered_again()
    {
        await using var host = CourierHost.CreateWithApiKey();
        var source = host.WriteSource("r/360p.mp4");
        using var client = host.CreateClient();
        var body = new { videoId = "r", renditions = new[] { new { name = "360p", path = "r/360p.mp4" } }, targets = new[] { host.TargetA } };
        using (var submitted = await Send(client, "/api/videos", Json.Body(body)))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var atTarget = Path.Combine(host.TargetRoot("a"), "r/360p/360p.mp4");
        File.Exists(atTarget).ShouldBeTrue();
        File.Delete(atTarget);

        using var anonymous = await client.PostAsync("/api/reconcile", Json.Body(new { }), Ct);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        File.Exists(atTarget).ShouldBeFalse("nothing ran without the key");

        using var unknown = await Send(client, "/api/reconcile", Json.Body(new { target = "nowhere" }));
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var result = await Json.ReadAsync(await Send(client, "/api/reconcile", Json.Body(new { target = host.TargetA, videoId = "r" })));
        result.GetProperty("checked").GetInt32().ShouldBe(1);
        result.GetProperty("healthy").GetInt32().ShouldBe(0);
        result.GetProperty("reopened").GetInt32().ShouldBe(1);
        var finding = result.GetProperty("findings").EnumerateArray().ShouldHaveSingleItem();
        finding.GetProperty("problem").GetString().ShouldBe($"r/360p/360p.mp4 is missing at {host.TargetA}");
        finding.GetProperty("reopened").GetBoolean().ShouldBeTrue();

        // The scanner pushes the re-queued file again.
        await Eventually.WaitAsync(() => Task.FromResult(File.Exists(atTarget)), present => present, "the scanner to deliver the re-queued file again");
        var video = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/r", Ct)),
            v => v.GetProperty("state").GetString() == "distributed",
            "the video to be distributed again");
        video.GetProperty("deliveries").EnumerateArray().ShouldHaveSingleItem().GetProperty("state").GetString().ShouldBe("delivered");
        (await File.ReadAllBytesAsync(atTarget, Ct)).ShouldBe(source);
        var clean = await Json.ReadAsync(await Send(client, "/api/reconcile", Json.Body(new { })));
        (clean.GetProperty("checked").GetInt32(), clean.GetProperty("healthy").GetInt32(), clean.GetProperty("reopened").GetInt32()).ShouldBe((1, 1, 0));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client.SendAsync(request, Ct);
    }
}
