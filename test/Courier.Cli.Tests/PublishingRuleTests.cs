using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>
/// The publishing rule <c>Targets:NAME:Renditions</c> end to end: the real courier, real ffmpeg, filesystem targets and
/// nginx WebDAV. A target gets only the renditions it takes, and the multivariant playlist there names only those.
/// </summary>
public sealed class PublishingRuleTests
{
    [Fact]
    public async Task Ingest_gives_each_target_only_the_renditions_it_takes_and_a_master_naming_only_those()
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("rule-ingest");
        var prefix = $"rule-{sandbox.Id}";
        sandbox.Shared(webdavRoot, prefix);
        var archive = Sandbox.FileSystem("./targets/archive");
        archive["Renditions"] = new JsonArray("720p");
        var mobile = Sandbox.Http(new Uri(webdav, prefix + "/").ToString());
        mobile["Renditions"] = "360p, 240p";
        sandbox.WriteConfig(
            new Dictionary<string, JsonObject> { ["archive"] = archive, ["mobile"] = mobile, ["full"] = Sandbox.FileSystem("./targets/full") },
            courier => courier["Ingest"] = new JsonObject { ["Ffmpeg"] = new JsonObject { ["Preset"] = "ultrafast" } });
        await Clips.GenerateAsync(Path.Combine(sandbox.Media, "raw/clip.mp4"), 1280, 720, 4);

        var result = await sandbox.RunAsync(TimeSpan.FromMinutes(3), "ingest", "media/raw/clip.mp4", "--video", "clip", "--ladder", "360p,720p", "--json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        report.GetProperty("availableAt").EnumerateArray().Select(t => t.GetString()).ShouldBe(["archive", "full", "mobile"]);
        var deliveries = report.GetProperty("video").GetProperty("deliveries").EnumerateArray()
            .Select(d => $"{d.GetProperty("target").GetString()}:{d.GetProperty("rendition").GetString()}:{d.GetProperty("state").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToList();
        deliveries.ShouldBe(["archive:720p:delivered", "full:360p:delivered", "full:720p:delivered", "mobile:360p:delivered"]);
        var times = report.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!);
        foreach (var t in times.Values)
        {
            t.GetProperty("allRenditionsSeconds").ValueKind.ShouldBe(JsonValueKind.Number, $"{t} has all the renditions it takes");
        }

        // The ingest statistics: per target, from the ledger, the same times the report gave (all: when the master was published).
        var stats = JsonDocument.Parse((await sandbox.RunAsync("stats", "--json")).Stdout).RootElement;
        foreach (var target in stats.GetProperty("targets").EnumerateArray())
        {
            var name = target.GetProperty("name").GetString()!;
            var ingest = target.GetProperty("ingest");
            var first = ingest.GetProperty("firstRenditionSeconds");
            var all = ingest.GetProperty("allRenditionsSeconds");
            first.GetProperty("count").GetInt32().ShouldBe(1, name);
            all.GetProperty("count").GetInt32().ShouldBe(1, name);
            first.GetProperty("p50").GetDouble().ShouldBe(times[name].GetProperty("firstRenditionSeconds").GetDouble(), 0.01, name);
            all.GetProperty("p50").GetDouble().ShouldBeGreaterThanOrEqualTo(times[name].GetProperty("allRenditionsSeconds").GetDouble() - 0.01, name);
            all.GetProperty("p50").GetDouble().ShouldBeLessThan(times[name].GetProperty("allRenditionsSeconds").GetDouble() + 60, name);
            all.GetProperty("p95").GetDouble().ShouldBe(all.GetProperty("p50").GetDouble());
        }

        var table = await sandbox.RunAsync("stats");
        table.ExitCode.ShouldBe(0, table.ToString());
        table.Stdout.ShouldContain("first rendition p50");

        // The files: the archive holds 720p only, the full target both, and each master names what its target holds.
        var archiveRoot = Path.Combine(sandbox.Dir, "targets/archive/clip");
        Directory.Exists(Path.Combine(archiveRoot, "360p")).ShouldBeFalse();
        File.Exists(Path.Combine(archiveRoot, "720p/index.m3u8")).ShouldBeTrue();
        Variants(File.ReadAllText(Path.Combine(archiveRoot, "master.m3u8"))).ShouldBe(["720p/index.m3u8"]);
        File.ReadAllText(Path.Combine(sandbox.Dir, "targets/full/clip/master.m3u8")).ShouldBe(File.ReadAllText(Path.Combine(sandbox.Media, "clip/ingest-1/master.m3u8")));
        Variants(File.ReadAllText(Path.Combine(sandbox.Dir, "targets/full/clip/master.m3u8"))).ShouldBe(["360p/index.m3u8", "720p/index.m3u8"]);

        // The player's view of the mobile CDN, over HTTP from nginx: one variant, and it plays to the end.
        var masterUrl = new Uri(webdav, $"{prefix}/clip/master.m3u8").ToString();
        JsonDocument.Parse(await Clips.RunAsync("ffprobe", ["-v", "error", "-show_programs", "-of", "json", masterUrl])).RootElement.GetProperty("programs").GetArrayLength().ShouldBe(1);
        (await Clips.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", masterUrl, "-f", "null", "-"])).ShouldBeEmpty();
        using var http = new HttpClient();
        var missing = await http.GetAsync(new Uri(webdav, $"{prefix}/clip/720p/index.m3u8"), TestContext.Current.CancellationToken);
        ((int)missing.StatusCode).ShouldBe(404);
    }

    [Fact]
    public async Task Distribute_makes_no_deliveries_a_target_does_not_take_and_refuses_a_submission_no_target_takes()
    {
        using var sandbox = new Sandbox("rule-distribute");
        var archive = Sandbox.FileSystem("./targets/archive");
        archive["Renditions"] = new JsonArray("1080p");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = archive, ["mobile"] = Sandbox.FileSystem("./targets/mobile") });
        sandbox.WriteMedia("movie-42/360p.mp4", 100_000);
        sandbox.WriteMedia("movie-42/1080p.mp4", 300_000);
        sandbox.WriteMedia("trailer/360p.mp4", 50_000);

        var result = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--rendition", "1080p=movie-42/1080p.mp4", "--json");
        var refused = await sandbox.RunAsync("distribute", "--video", "trailer", "--rendition", "360p=trailer/360p.mp4", "--target", "archive");

        result.ExitCode.ShouldBe(0, result.ToString());
        var status = await sandbox.StatusAsync("movie-42");
        status.GetProperty("deliveries").EnumerateArray()
            .Select(d => $"{d.GetProperty("target").GetString()}:{d.GetProperty("rendition").GetString()}:{d.GetProperty("state").GetString()}")
            .Order(StringComparer.Ordinal)
            .ShouldBe(["archive:1080p:delivered", "mobile:1080p:delivered", "mobile:360p:delivered"]);
        Files.List(Path.Combine(sandbox.Dir, "targets/archive")).ShouldBe(["movie-42/1080p/1080p.mp4"]);

        refused.ExitCode.ShouldBe(2, refused.ToString());
        refused.StderrLines.ShouldHaveSingleItem().ShouldBe("courier: no target takes any of these renditions (archive takes 1080p: Courier:Targets:NAME:Renditions)");
        (await sandbox.RunAsync("status", "trailer")).ExitCode.ShouldBe(2);
    }

    private static List<string> Variants(string master) =>
        master.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
}
