using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;
using Courier.Testing.Proxy;

namespace Courier.Cli.Tests;

/// <summary>
/// <c>courier remove</c> end to end, on SQLite and PostgreSQL: a video taken down from a filesystem target, nginx WebDAV
/// and S3 (s3rver), proven gone; a removal that waits for a down target, or whose process is killed, is finished by
/// <c>courier serve</c>; bad input changes nothing.
/// </summary>
public sealed class RemoveTests
{
    private const string Bucket = "courier-test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly string[] Files360And1080 = ["1080p/index.m3u8", "1080p/seg_000.ts", "1080p/seg_001.ts", "360p/360p.mp4"];

    public static TheoryData<string> Stores => new(["sqlite", "postgres"]);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Remove_everywhere_exits_0_and_the_files_are_gone_at_filesystem_webdav_and_s3(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("remove");
        sandbox.UseStore(store);
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        sandbox.Environment["COURIER_TEST_S3_KEY"] = "S3RVER";
        sandbox.Environment["COURIER_TEST_S3_SECRET"] = "S3RVER";
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-webdav"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString()),
            ["cdn-s3"] = S3(prefix),
        });
        WritePackage(sandbox, "movie-9");
        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-9", "--rendition", "360p=movie-9/360p.mp4", "--rendition", "1080p=movie-9/hls/");
        distribute.ExitCode.ShouldBe(0, distribute.ToString());
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-9")).ShouldBe(Files360And1080);
        Files.List(Path.Combine(atNginx, "movie-9")).ShouldBe(Files360And1080);
        foreach (var file in Files360And1080)
        {
            (await S3StatusAsync(prefix, "movie-9/" + file)).ShouldBe(200, $"{file} at s3 before the removal");
        }

        var remove = await sandbox.RunAsync("remove", "movie-9");

        remove.ExitCode.ShouldBe(0, remove.ToString());
        remove.Stdout.ShouldContain("movie-9 v2: 6 removed, 0 queued, 0 dead");
        remove.Stderr.ShouldBeEmpty();
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-9")).ShouldBeEmpty();
        Files.List(Path.Combine(atNginx, "movie-9")).ShouldBeEmpty();
        foreach (var file in Files360And1080)
        {
            (await S3StatusAsync(prefix, "movie-9/" + file)).ShouldBe(404, $"{file} at s3 after the removal");
        }

        var status = await sandbox.StatusAsync("movie-9");
        status.GetProperty("state").GetString().ShouldBe("removed");
        status.GetProperty("version").GetInt32().ShouldBe(2);
        status.GetProperty("targets").EnumerateArray().Select(t => (t.GetProperty("target").GetString(), t.GetProperty("removed").GetBoolean()))
            .ShouldBe([("archive", true), ("cdn-s3", true), ("cdn-webdav", true)]);
        var human = await sandbox.RunAsync("status", "movie-9");
        human.ExitCode.ShouldBe(0, human.ToString());
        human.Stdout.ShouldContain("movie-9 v2: removed");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Remove_with_a_target_down_exits_3_and_serve_finishes_the_removal_when_it_is_back(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("remove-down");
        sandbox.UseStore(store);
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        await using var proxy = FaultProxy.Start(webdav);
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Retry__FirstDelay"] = "00:00:01";
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-north"] = Sandbox.Http(new Uri(proxy.Url, prefix + "/").ToString(), "north"),
        });
        WritePackage(sandbox, "movie-3");
        (await sandbox.RunAsync("distribute", "--video", "movie-3", "--rendition", "360p=movie-3/360p.mp4", "--rendition", "1080p=movie-3/hls/")).ExitCode.ShouldBe(0);
        proxy.GoDown();

        var remove = await sandbox.RunAsync("remove", "movie-3");

        remove.ExitCode.ShouldBe(3, remove.ToString());
        remove.Stdout.ShouldContain("movie-3 v2: 2 removed, 2 queued, 0 dead");
        remove.Stdout.ShouldContain("is not removed from cdn-north yet");
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-3")).ShouldBeEmpty();
        Files.List(Path.Combine(atNginx, "movie-3")).ShouldBe(Files360And1080, "the down target still holds the video");
        var queue = JsonDocument.Parse((await sandbox.RunAsync("queue", "--json")).Stdout).RootElement;
        queue.GetProperty("items").EnumerateArray().ShouldAllBe(i => i.GetProperty("operation").GetString() == "remove" && i.GetProperty("version").GetInt32() == 2 && i.GetProperty("target").GetString() == "cdn-north");

        proxy.GoUp();
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-3")).GetProperty("state").GetString() == "removed",
            Bound,
            "the scanner of `courier serve` to finish the removal",
            () => serve.Stderr);
        Files.List(Path.Combine(atNginx, "movie-3")).ShouldBeEmpty();
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Remove_killed_mid_removal_is_finished_by_the_next_run(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("remove-kill9");
        sandbox.UseStore(store);
        var (prefix, atNginx) = sandbox.SharedWebDav(webdavRoot);
        await using var proxy = FaultProxy.Start(webdav);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["cdn"] = Sandbox.Http(new Uri(proxy.Url, prefix + "/").ToString()) });
        WritePackage(sandbox, "movie-5");
        (await sandbox.RunAsync("distribute", "--video", "movie-5", "--rendition", "1080p=movie-5/hls/")).ExitCode.ShouldBe(0);

        // The target swallows the first DELETE (no answer): the removal is under way when the process is killed.
        var hang = proxy.Add(FaultRule.For(Fault.HangAfterBody()).OnMethod("DELETE"));
        await using (var remove = sandbox.Start("remove", "movie-5"))
        {
            await Eventually.WaitAsync(() => Task.FromResult(hang.Fired > 0 || remove.HasExited), Bound, "the removal to reach the target", () => remove.Stderr);
            remove.HasExited.ShouldBeFalse(remove.Stderr);
            await remove.SignalAsync("KILL");
            (await remove.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(137);
        }

        var orphan = await sandbox.StatusAsync("movie-5");
        orphan.GetProperty("state").GetString().ShouldBe("removing");
        orphan.GetProperty("deliveries").EnumerateArray().Single().GetProperty("state").GetString().ShouldBe("in_flight");
        Files.List(Path.Combine(atNginx, "movie-5")).ShouldNotBeEmpty("the killed removal deleted nothing yet");

        proxy.ClearRules();
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.Environment["Courier__Scan__LeaseTimeout"] = "00:00:02";
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-5")).GetProperty("state").GetString() == "removed",
            TimeSpan.FromSeconds(90),
            "serve to take the orphaned removal over and finish it",
            () => serve.Stderr);
        Files.List(Path.Combine(atNginx, "movie-5")).ShouldBeEmpty();
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Remove_of_an_unknown_or_bad_id_or_unknown_target_exits_2_with_one_line_and_changes_nothing(string store)
    {
        using var sandbox = new Sandbox("remove-bad");
        sandbox.UseStore(store);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        var source = sandbox.WriteMedia("keep/360p.mp4", 10_000);
        (await sandbox.RunAsync("distribute", "--video", "keep", "--rendition", "360p=keep/360p.mp4")).ExitCode.ShouldBe(0);

        var unknown = await sandbox.RunAsync("remove", "nope");
        var bad = await sandbox.RunAsync("remove", "../etc");
        var nowhere = await sandbox.RunAsync("remove", "keep", "--target", "nowhere");

        foreach (var result in new[] { unknown, bad, nowhere })
        {
            result.ExitCode.ShouldBe(2, result.ToString());
            result.Stdout.ShouldBeEmpty();
            result.Stderr.Trim().Split('\n').ShouldHaveSingleItem(result.ToString());
            result.Stderr.ShouldNotContain("   at ");
        }

        unknown.Stderr.ShouldBe("courier: no such video 'nope'\n");
        bad.Stderr.ShouldBe("courier: ID '../etc' must be 1-128 of A-Z a-z 0-9 . _ - and not '.' or '..'\n");
        nowhere.Stderr.ShouldBe("courier: unknown target 'nowhere' (configured: archive)\n");
        var status = await sandbox.StatusAsync("keep");
        status.GetProperty("version").GetInt32().ShouldBe(1);
        status.GetProperty("state").GetString().ShouldBe("distributed");
        Files.ShouldBeIdentical(Path.Combine(sandbox.Dir, "targets/archive/keep/360p/360p.mp4"), source);
        (await sandbox.RunAsync("status", "nope")).ExitCode.ShouldBe(2, "the unknown id was not stored");
    }

    private static void WritePackage(Sandbox sandbox, string videoId)
    {
        sandbox.WriteMedia($"{videoId}/360p.mp4", 50_000);
        sandbox.WriteMedia($"{videoId}/hls/seg_000.ts", 40_000);
        sandbox.WriteMedia($"{videoId}/hls/seg_001.ts", 40_000);
        sandbox.WriteText($"media/{videoId}/hls/index.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_000.ts\n#EXTINF:2,\nseg_001.ts\n#EXT-X-ENDLIST\n");
    }

    private static JsonObject S3(string prefix) => new()
    {
        ["Kind"] = "s3",
        ["Region"] = "s3",
        ["ServiceUrl"] = S3Url.AbsoluteUri.TrimEnd('/'),
        ["Bucket"] = Bucket,
        ["Prefix"] = prefix,
        ["AccessKeyEnv"] = "COURIER_TEST_S3_KEY",
        ["SecretKeyEnv"] = "COURIER_TEST_S3_SECRET",
    };

    private static Uri S3Url => Environment.GetEnvironmentVariable("COURIER_TEST_S3_URL") is { Length: > 0 } url
        ? new Uri(url)
        : throw new InvalidOperationException("COURIER_TEST_S3_URL is not set: run `.ci/services start` and `source .ci/work/env`");

    /// <summary>What s3rver answers for a key, asked directly (it serves the test bucket to anyone on loopback).</summary>
    private static async Task<int> S3StatusAsync(string prefix, string key)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(S3Url, $"{Bucket}/{prefix}/{key}"), TestContext.Current.CancellationToken);
        return (int)response.StatusCode;
    }
}
