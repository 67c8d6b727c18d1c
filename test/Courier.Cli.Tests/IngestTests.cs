using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;
using Courier.Testing.Proxy;

namespace Courier.Cli.Tests;

/// <summary><c>courier ingest</c> end to end: the real ffmpeg, the real courier, nginx WebDAV, s3rver and a filesystem target.</summary>
public sealed class IngestTests
{
    private const string S3Bucket = "courier-test";

    private static void Ultrafast(JsonObject courier) => courier["Ingest"] = new JsonObject { ["Ffmpeg"] = new JsonObject { ["Preset"] = "ultrafast" } };

    [Fact]
    public async Task A_1080p_clip_is_ingested_to_nginx_s3_and_a_filesystem_and_plays_through_master_over_http()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        var s3 = Environment.GetEnvironmentVariable("COURIER_TEST_S3_URL") ?? throw new InvalidOperationException("COURIER_TEST_S3_URL is not set: run `.ci/services start` and `source .ci/work/env`");
        using var sandbox = new Sandbox("ingest");
        var prefix = $"ingest-{sandbox.Id}";
        sandbox.Shared(webdavRoot, prefix);
        sandbox.Environment["INGEST_S3_KEY"] = "S3RVER";
        sandbox.Environment["INGEST_S3_SECRET"] = "S3RVER";
        sandbox.WriteConfig(
            new Dictionary<string, JsonObject>
            {
                ["archive"] = Sandbox.FileSystem("./targets/archive"),
                ["cdn-webdav"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString()),
                ["cdn-s3"] = new JsonObject
                {
                    ["Kind"] = "s3", ["Region"] = "south", ["ServiceUrl"] = s3, ["Bucket"] = S3Bucket, ["Prefix"] = prefix,
                    ["ForcePathStyle"] = true, ["AccessKeyEnv"] = "INGEST_S3_KEY", ["SecretKeyEnv"] = "INGEST_S3_SECRET",
                },
            },
            Ultrafast);
        await Clips.GenerateAsync(Path.Combine(sandbox.Media, "raw/movie-42.mp4"), 1920, 1080, 8);

        var result = await sandbox.RunAsync(TimeSpan.FromMinutes(4), "ingest", "media/raw/movie-42.mp4", "--video", "movie-42", "--json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        report.GetProperty("availableAt").EnumerateArray().Select(t => t.GetString()).ShouldBe(["archive", "cdn-s3", "cdn-webdav"]);
        var video = report.GetProperty("video");
        video.GetProperty("state").GetString().ShouldBe("distributed");
        var deliveries = video.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Count.ShouldBe(9);
        var source = File.ReadAllText(Path.Combine(sandbox.Media, "movie-42/ingest-1/master.m3u8"));

        // The player's view: ffprobe reads the master over HTTP from nginx and finds three variants; each decodes to the end.
        var masterUrl = new Uri(webdav, $"{prefix}/movie-42/master.m3u8").ToString();
        var programs = JsonDocument.Parse(await Clips.RunAsync("ffprobe", ["-v", "error", "-show_programs", "-of", "json", masterUrl])).RootElement.GetProperty("programs");
        programs.GetArrayLength().ShouldBe(3);
        foreach (var rendition in new[] { "360p", "720p", "1080p" })
        {
            var decoded = await Clips.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", new Uri(webdav, $"{prefix}/movie-42/{rendition}/index.m3u8").ToString(), "-f", "null", "-"]);
            decoded.ShouldBeEmpty($"ffmpeg decoding {rendition} from nginx");
        }

        File.ReadAllText(Path.Combine(sandbox.Dir, "targets/archive/movie-42/master.m3u8")).ShouldBe(source);
        using var http = new HttpClient();
        (await http.GetStringAsync(new Uri($"{s3.TrimEnd('/')}/{S3Bucket}/{prefix}/movie-42/master.m3u8"), TestContext.Current.CancellationToken)).ShouldBe(source);

        // Distribution starts the moment a rendition exists: 360p was delivered everywhere before the 1080p transcode finished.
        var renditions = report.GetProperty("renditions").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        var transcoded1080 = renditions["1080p"].GetProperty("transcodedAt").GetDateTimeOffset();
        var delivered360 = deliveries.Where(d => d.GetProperty("rendition").GetString() == "360p").Select(d => d.GetProperty("deliveredAt").GetDateTimeOffset()).ToList();
        var deliveredAll = deliveries.Max(d => d.GetProperty("deliveredAt").GetDateTimeOffset());
        var started = report.GetProperty("startedAt").GetDateTimeOffset();
        delivered360.Count.ShouldBe(3);
        delivered360.ShouldAllBe(at => at < transcoded1080);
        var times = report.GetProperty("targets").EnumerateArray().ToList();
        times.Select(t => t.GetProperty("target").GetString()).ShouldBe(["archive", "cdn-s3", "cdn-webdav"]);
        foreach (var t in times)
        {
            var first = t.GetProperty("firstRenditionSeconds").GetDouble();
            first.ShouldBeLessThan((transcoded1080 - started).TotalSeconds, "the first rendition reached each target before the last transcode ended");
            t.GetProperty("allRenditionsSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(first);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"ingest of an 8 s 1080p clip: 360p delivered to all 3 targets {(delivered360.Max() - started).TotalSeconds:0.00} s after start; "
            + $"1080p transcoded at {(transcoded1080 - started).TotalSeconds:0.00} s; every rendition delivered at {(deliveredAll - started).TotalSeconds:0.00} s; per target (first, all): "
            + string.Join("; ", times.Select(t => $"{t.GetProperty("target").GetString()} {t.GetProperty("firstRenditionSeconds").GetDouble():0.00} s, {t.GetProperty("allRenditionsSeconds").GetDouble():0.00} s")));
    }

    [Fact]
    public async Task Ingest_killed_after_its_last_delivery_before_the_master_playlist_is_published_by_serve()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("ingest-kill9");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        await using var proxy = FaultProxy.Start(webdav);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http(new Uri(proxy.Url, prefix + "/").ToString()) }, Ultrafast);
        await Clips.GenerateAsync(Path.Combine(sandbox.Media, "raw/movie-5.mp4"), 640, 360, 2);

        // The target swallows the playlist's PUT (no answer): every rendition is delivered when the process is killed.
        var hang = proxy.Add(FaultRule.For(Fault.HangAfterBody()).OnMethod("PUT").OnPath("master"));
        await using (var ingest = sandbox.Start("ingest", "media/raw/movie-5.mp4", "--video", "movie-5", "--ladder", "360p"))
        {
            await Eventually.WaitAsync(() => Task.FromResult(hang.Fired > 0 || ingest.HasExited), TimeSpan.FromSeconds(120), "the playlist's PUT to reach the target", () => ingest.Stderr);
            ingest.HasExited.ShouldBeFalse(ingest.Stderr);
            await ingest.SignalAsync("KILL");
            (await ingest.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(137);
        }

        (await sandbox.StatusAsync("movie-5")).GetProperty("state").GetString().ShouldBe("distributed");
        File.Exists(Path.Combine(atNginx, "movie-5/master.m3u8")).ShouldBeFalse("killed before the playlist was published");
        (await AvailableCountAsync(sandbox, "cdn")).ShouldBe(0);

        proxy.ClearRules();
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        await using var serve = sandbox.Start("serve");
        // Published means the playlist at the target and its video.available recorded. The file appears at the target a
        // moment before the record (the PUT's verification comes between), and a stop in that moment leaves the publish to
        // the next start's recovery, as a crash does: so wait for both before stopping serve.
        await Eventually.WaitAsync(
            async () => File.Exists(Path.Combine(atNginx, "movie-5/master.m3u8")) && await AvailableCountAsync(sandbox, "cdn") > 0,
            TimeSpan.FromSeconds(60),
            "serve to publish the playlist the killed ingest left, and to record it available",
            () => serve.Stderr);
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0, serve.Stderr);

        File.ReadAllText(Path.Combine(atNginx, "movie-5/master.m3u8")).ShouldBe(File.ReadAllText(Path.Combine(sandbox.Media, "movie-5/ingest-1/master.m3u8")));
        (await AvailableCountAsync(sandbox, "cdn")).ShouldBe(1, "video.available at cdn, once");
    }

    /// <summary>How many ingested versions <c>courier stats</c> counts as available (<c>video.available</c>) at <paramref name="target"/>.</summary>
    private static async Task<int> AvailableCountAsync(Sandbox sandbox, string target)
    {
        var result = await sandbox.RunAsync("stats", "--json");
        result.ExitCode.ShouldBe(0, result.ToString());
        var stats = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == target);
        return stats.TryGetProperty("ingest", out var ingest) && ingest.ValueKind == JsonValueKind.Object
            ? ingest.GetProperty("allRenditionsSeconds").GetProperty("count").GetInt32()
            : 0;
    }

    [Fact]
    public async Task A_text_file_named_mp4_and_a_truncated_video_each_exit_2_with_nothing_stored()
    {
        using var sandbox = new Sandbox("ingest-bad");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") }, Ultrafast);
        sandbox.WriteText("media/raw/notes.mp4", "these are meeting notes, not a video\n");
        var clip = await Clips.GenerateAsync(Path.Combine(sandbox.Dir, "clip.mp4"), 640, 360, 2);
        Clips.Truncate(clip, Path.Combine(sandbox.Media, "raw/cut.mp4"));

        var text = await sandbox.RunAsync("ingest", "media/raw/notes.mp4", "--video", "notes");
        var cut = await sandbox.RunAsync("ingest", "media/raw/cut.mp4", "--video", "cut");

        text.ExitCode.ShouldBe(2, text.ToString());
        text.Stderr.ShouldBe("courier: 'notes.mp4' is not a video Courier can read (Invalid data found when processing input)\n");
        cut.ExitCode.ShouldBe(2, cut.ToString());
        cut.Stderr.ShouldStartWith("courier: 'cut.mp4' is not a video Courier can read");
        cut.Stderr.Trim().ShouldNotContain("\n");
        foreach (var id in new[] { "notes", "cut" })
        {
            var status = await sandbox.RunAsync("status", id);
            status.ExitCode.ShouldBe(2, status.ToString());
            Directory.Exists(Path.Combine(sandbox.Media, id)).ShouldBeFalse();
        }

        Files.List(Path.Combine(sandbox.Dir, "targets/archive")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_ffmpeg_is_a_clear_error_naming_the_package()
    {
        using var sandbox = new Sandbox("ingest-noffmpeg");
        sandbox.WriteConfig(
            new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") },
            courier => courier["Ingest"] = new JsonObject { ["Ffmpeg"] = new JsonObject { ["Path"] = "/nonexistent/ffmpeg", ["ProbePath"] = "/nonexistent/ffprobe" } });
        sandbox.WriteText("media/raw/clip.mp4", "anything");

        var result = await sandbox.RunAsync("ingest", "media/raw/clip.mp4", "--video", "clip");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("cannot run /nonexistent/ffprobe");
        result.Stderr.ShouldContain("install the Debian package ffmpeg (apt-get install ffmpeg)");
        result.Stderr.ShouldNotContain("   at ");
    }
}
