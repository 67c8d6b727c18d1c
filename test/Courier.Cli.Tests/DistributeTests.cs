using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

public sealed class DistributeTests
{
    private static readonly string[] PackageFiles = ["index.m3u8", "seg_000.ts", "seg_001.ts", "seg_002.ts", "seg_003.ts", "seg_004.ts", "seg_005.ts"];

    [Fact]
    public async Task Sample_video_reaches_two_filesystem_targets_and_nginx_webdav_byte_for_byte_with_exit_0()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("distribute");
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-local"] = Sandbox.FileSystem("./targets/cdn-local"),
            ["cdn-webdav"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString()),
        });
        var sample = await sandbox.RunAsync("sample", "--synthetic");
        sample.ExitCode.ShouldBe(0, sample.ToString());

        var result = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--rendition", "1080p=movie-42/hls-1080p/");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain("movie-42 v1: 6 delivered, 0 queued, 0 dead");
        result.Stdout.ShouldNotContain("\u001b");
        var roots = new[] { Path.Combine(sandbox.Dir, "targets/archive"), Path.Combine(sandbox.Dir, "targets/cdn-local"), atNginx };
        foreach (var root in roots)
        {
            Files.List(Path.Combine(root, "movie-42")).ShouldBe([.. PackageFiles.Select(f => "1080p/" + f), "360p/360p.mp4"], $"the files at {root}");
            Files.ShouldBeIdentical(Path.Combine(root, "movie-42/360p/360p.mp4"), Path.Combine(sandbox.Media, "movie-42/360p.mp4"));
            foreach (var file in PackageFiles)
            {
                Files.ShouldBeIdentical(Path.Combine(root, "movie-42/1080p", file), Path.Combine(sandbox.Media, "movie-42/hls-1080p", file));
            }
        }

        var status = await sandbox.StatusAsync("movie-42");
        status.GetProperty("state").GetString().ShouldBe("distributed");
        var deliveries = status.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Count.ShouldBe(6);
        deliveries.ShouldAllBe(d => d.GetProperty("state").GetString() == "delivered");
        deliveries.Select(d => (d.GetProperty("rendition").GetString(), d.GetProperty("target").GetString())).Order()
            .ShouldBe([("1080p", "archive"), ("1080p", "cdn-local"), ("1080p", "cdn-webdav"), ("360p", "archive"), ("360p", "cdn-local"), ("360p", "cdn-webdav")]);
    }

    [Fact]
    public async Task Same_submission_again_is_idempotent_and_json_is_the_api_report()
    {
        using var sandbox = new Sandbox("idempotent");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        sandbox.WriteMedia("movie-7/720p.mp4", 300_000);

        var first = await sandbox.RunAsync("distribute", "--video", "movie-7", "--rendition", "720p=movie-7/720p.mp4", "--json");
        var second = await sandbox.RunAsync("distribute", "--video", "movie-7", "--rendition", "720p=movie-7/720p.mp4", "--json");

        first.ExitCode.ShouldBe(0, first.ToString());
        second.ExitCode.ShouldBe(0, second.ToString());
        var a = JsonDocument.Parse(first.Stdout).RootElement;
        var b = JsonDocument.Parse(second.Stdout).RootElement;
        a.GetProperty("videoId").GetString().ShouldBe("movie-7");
        a.GetProperty("state").GetString().ShouldBe("distributed");
        b.GetProperty("version").GetInt32().ShouldBe(a.GetProperty("version").GetInt32());
        var delivery = b.GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("id").GetGuid().ShouldBe(a.GetProperty("deliveries")[0].GetProperty("id").GetGuid());
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        delivery.GetProperty("lastError").ValueKind.ShouldBe(JsonValueKind.Null);
        delivery.GetProperty("nextAttemptAt").ValueKind.ShouldBe(JsonValueKind.Null);
        Files.ShouldBeIdentical(Path.Combine(sandbox.Dir, "targets/archive/movie-7/720p/720p.mp4"), Path.Combine(sandbox.Media, "movie-7/720p.mp4"));

        var stats = await sandbox.RunAsync("stats", "--json");
        stats.ExitCode.ShouldBe(0, stats.ToString());
        var figures = JsonDocument.Parse(stats.Stdout).RootElement;
        figures.GetProperty("deliveries").GetProperty("delivered").GetInt64().ShouldBe(1);
        figures.GetProperty("sync").GetProperty("succeeded").GetInt64().ShouldBe(1);
        figures.GetProperty("targets").EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("archive");
    }

    [Fact]
    public async Task Human_output_of_every_verb_has_no_escape_codes_when_redirected()
    {
        using var sandbox = new Sandbox("plain");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        sandbox.WriteMedia("clip/360p.mp4", 10_000);
        sandbox.Environment["TERM"] = "xterm-256color";

        var distribute = await sandbox.RunAsync("distribute", "--video", "clip", "--rendition", "360p=clip/360p.mp4");
        var status = await sandbox.RunAsync("status", "clip");
        var queue = await sandbox.RunAsync("queue");
        var stats = await sandbox.RunAsync("stats");

        foreach (var result in new[] { distribute, status, queue, stats })
        {
            result.ExitCode.ShouldBe(0, result.ToString());
            result.Stdout.ShouldNotContain("\u001b", customMessage: result.ToString());
            result.Stderr.ShouldBeEmpty();
        }

        distribute.Stdout.ShouldContain("360p -> archive: delivered");
        status.Stdout.ShouldContain("clip v1: distributed");
        queue.Stdout.ShouldContain("total: 0 queued or dead");
        stats.Stdout.ShouldContain("deliveries: 1 delivered, 0 in flight, 0 queued, 0 dead");
    }
}
