using System.Net;
using Courier.Client;

namespace Courier.Server.Tests;

/// <summary><c>POST /api/ingest</c> with the real ffmpeg, through the raw API and through <see cref="CourierClient"/>.</summary>
public sealed class IngestApiTests
{
    private const string Key = CourierHost.ApiKey;

    private static readonly Dictionary<string, string?> Settings = new() { ["Api:ApiKey"] = Key, ["Ingest:Ffmpeg:Preset"] = "ultrafast" };

    [Fact]
    public async Task Ingest_through_the_client_answers_200_with_the_report_and_master_published_at_each_target()
    {
        await using var host = CourierHost.Create(settings: Settings);
        await Clips.GenerateAsync(Path.Combine(host.Media, "raw/clip.mp4"), 1280, 720, 2);
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        var client = new CourierClient(http);

        var report = await client.IngestAsync(new IngestSubmission("clip", "raw/clip.mp4", ["360p", "720p", "1080p"]), Ct);

        report.Video.State.ShouldBe("distributed");
        report.Directory.ShouldBe("clip/ingest-1");
        report.Renditions.Select(r => r.Name).ShouldBe(["360p", "720p"], "a 720p source yields no 1080p");
        report.AvailableAt.Order().ShouldBe(new[] { host.TargetA, host.TargetB }.Order());
        report.Video.Deliveries.Count.ShouldBe(4);
        report.Targets.Select(t => t.Target).Order().ShouldBe(new[] { host.TargetA, host.TargetB }.Order());
        report.Targets.ShouldAllBe(t => t.FirstRenditionSeconds > 0 && t.AllRenditionsSeconds >= t.FirstRenditionSeconds);
        foreach (var letter in new[] { "a", "b" })
        {
            File.ReadAllLines(Path.Combine(host.TargetRoot(letter), "clip/master.m3u8")).Where(l => !l.StartsWith('#')).ShouldBe(["360p/index.m3u8", "720p/index.m3u8"]);
        }
    }

    [Fact]
    public async Task A_text_file_is_400_naming_the_source_and_nothing_is_stored()
    {
        await using var host = CourierHost.Create(settings: Settings);
        File.WriteAllText(Path.Combine(host.Media, "notes.mp4"), "not a video\n");
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Key);

        using var response = await client.PostAsync("/api/ingest", Json.Body(new { videoId = "notes", source = "notes.mp4" }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await Json.ReadAsync(response);
        problem.GetProperty("field").GetString().ShouldBe("source");
        problem.GetProperty("detail").GetString()!.ShouldStartWith("'notes.mp4' is not a video");
        using var status = await client.GetAsync("/api/videos/notes", Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Directory.Exists(Path.Combine(host.Media, "notes")).ShouldBeFalse();
    }

    [Fact]
    public async Task Ingest_without_the_key_is_401_and_transcodes_nothing()
    {
        await using var host = CourierHost.Create(settings: Settings);
        await Clips.GenerateAsync(Path.Combine(host.Media, "raw/clip.mp4"), 640, 360, 1);
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/api/ingest", Json.Body(new { videoId = "clip", source = "raw/clip.mp4" }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        Directory.Exists(Path.Combine(host.Media, "clip")).ShouldBeFalse();
    }
}
