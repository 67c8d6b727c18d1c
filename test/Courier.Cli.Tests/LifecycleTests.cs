using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>
/// A video's versions through the CLI, on SQLite and PostgreSQL: <c>courier distribute</c> of a version that drops a
/// rendition removes it before it returns; <c>courier reconcile</c> checks each target against the newest version delivered
/// there, and removes again the files of a removed video that reappear at a target.
/// </summary>
public sealed class LifecycleTests
{
    public static TheoryData<string> Stores => new(["sqlite", "postgres"]);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Distribute_of_a_version_that_drops_a_rendition_removes_it_from_every_target_and_exits_0(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = new Sandbox("lifecycle-drop");
        sandbox.UseStore(store);
        var prefix = $"cli-{sandbox.Id}";
        var atNginx = sandbox.Shared(webdavRoot, prefix);
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString()),
        });
        sandbox.WriteMedia("v1/360p.mp4", 50_000);
        sandbox.WriteMedia("v1/720p.mp4", 60_000);
        var hd = sandbox.WriteMedia("v2/720p.mp4", 70_000);
        (await sandbox.RunAsync("distribute", "--video", "movie-7", "--rendition", "360p=v1/360p.mp4", "--rendition", "720p=v1/720p.mp4")).ExitCode.ShouldBe(0);
        var atArchive = Path.Combine(sandbox.Dir, "targets/archive/movie-7");
        Files.List(atArchive).ShouldBe(["360p/360p.mp4", "720p/720p.mp4"]);

        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-7", "--rendition", "720p=v2/720p.mp4");

        distribute.ExitCode.ShouldBe(0, distribute.ToString());
        foreach (var at in new[] { atArchive, Path.Combine(atNginx, "movie-7") })
        {
            Files.List(at).ShouldBe(["720p/720p.mp4"], $"version 2 dropped 360p: it is gone from {at} when distribute returns");
            Files.ShouldBeIdentical(Path.Combine(at, "720p/720p.mp4"), hd);
        }

        var status = await sandbox.StatusAsync("movie-7");
        status.GetProperty("version").GetInt32().ShouldBe(2);
        status.GetProperty("state").GetString().ShouldBe("distributed");
        var deliveries = status.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Where(d => d.GetProperty("operation").GetString() == "remove").Select(d => (d.GetProperty("rendition").GetString(), d.GetProperty("target").GetString(), d.GetProperty("state").GetString()))
            .Order().ShouldBe([("360p", "archive", "removed"), ("360p", "cdn", "removed")]);
        status.GetProperty("targets").EnumerateArray().ShouldAllBe(t => t.GetProperty("liveVersion").GetInt32() == 2 && t.GetProperty("pendingVersion").ValueKind == JsonValueKind.Null);
        var queue = JsonDocument.Parse((await sandbox.RunAsync("queue", "--json")).Stdout).RootElement;
        queue.GetProperty("items").GetArrayLength().ShouldBe(0, "nothing is left for the scanner");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Reconcile_checks_a_target_against_the_newest_version_delivered_there_and_never_flips_it_back_to_an_older_one(string store)
    {
        using var sandbox = new Sandbox("lifecycle-reconcile");
        sandbox.UseStore(store);
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        var old = sandbox.WriteMedia("v1/720p.mp4", 30_000);
        var current = sandbox.WriteMedia("v2/720p.mp4", 40_000);
        (await sandbox.RunAsync("distribute", "--video", "movie-8", "--rendition", "720p=v1/720p.mp4")).ExitCode.ShouldBe(0);
        (await sandbox.RunAsync("distribute", "--video", "movie-8", "--rendition", "720p=v2/720p.mp4")).ExitCode.ShouldBe(0);
        var atTarget = Path.Combine(sandbox.Dir, "targets/archive/movie-8/720p/720p.mp4");
        Files.ShouldBeIdentical(atTarget, current);

        var healthy = await sandbox.RunAsync("reconcile");

        healthy.ExitCode.ShouldBe(0, healthy.ToString());
        healthy.Stdout.ShouldContain("checked 1 deliveries: 1 healthy, 0 re-queued", Case.Sensitive, "version 1's delivery, replaced by version 2's, is not compared");
        Files.ShouldBeIdentical(atTarget, current);

        // The target serves version 1's bytes again (an operator restored an old backup): version 2 is what drifted.
        File.Copy(old, atTarget, overwrite: true);
        var drifted = await sandbox.RunAsync("reconcile", "--json");

        drifted.ExitCode.ShouldBe(3, drifted.ToString());
        var result = JsonDocument.Parse(drifted.Stdout).RootElement;
        (result.GetProperty("checked").GetInt32(), result.GetProperty("reopened").GetInt32()).ShouldBe((1, 1));
        result.GetProperty("findings").EnumerateArray().ShouldAllBe(f => f.GetProperty("version").GetInt32() == 2 && f.GetProperty("reopened").GetBoolean());
        var queue = JsonDocument.Parse((await sandbox.RunAsync("queue", "--json")).Stdout).RootElement;
        queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("version").GetInt32()).ShouldBe([2], "only version 2's delivery is re-queued");
        await using (var serve = sandbox.Start("serve"))
        {
            await Eventually.WaitAsync(
                async () => (await sandbox.StatusAsync("movie-8")).GetProperty("state").GetString() == "distributed",
                TimeSpan.FromSeconds(60),
                "the scanner to deliver version 2 again",
                () => serve.Stderr);
            await serve.SignalAsync("TERM");
            (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
        }

        Files.ShouldBeIdentical(atTarget, current);
        var again = await sandbox.RunAsync("reconcile");
        again.ExitCode.ShouldBe(0, again.ToString());
        again.Stdout.ShouldContain("checked 1 deliveries: 1 healthy, 0 re-queued");
        Files.ShouldBeIdentical(atTarget, current);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Reconcile_reports_the_files_of_a_removed_video_that_reappear_at_a_target_and_removes_them_again(string store)
    {
        using var sandbox = new Sandbox("lifecycle-reappear");
        sandbox.UseStore(store);
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["backup"] = Sandbox.FileSystem("./targets/backup"),
        });
        var source = sandbox.WriteMedia("movie-6/720p.mp4", 30_000);
        sandbox.WriteMedia("movie-6/hls/seg_000.ts", 20_000);
        sandbox.WriteText("media/movie-6/hls/index.m3u8", "#EXTM3U\n#EXTINF:2,\nseg_000.ts\n#EXT-X-ENDLIST\n");
        (await sandbox.RunAsync("distribute", "--video", "movie-6", "--rendition", "720p=movie-6/720p.mp4", "--rendition", "1080p=movie-6/hls/")).ExitCode.ShouldBe(0);
        (await sandbox.RunAsync("remove", "movie-6")).ExitCode.ShouldBe(0);
        var atArchive = Path.Combine(sandbox.Dir, "targets/archive/movie-6");
        var atBackup = Path.Combine(sandbox.Dir, "targets/backup/movie-6");
        Files.List(atArchive).ShouldBeEmpty();
        var clean = await sandbox.RunAsync("reconcile");
        clean.ExitCode.ShouldBe(0, clean.ToString());
        clean.Stdout.ShouldContain("checked 4 deliveries: 4 healthy, 0 re-queued");

        // A stale replica syncs the files back to one target.
        Directory.CreateDirectory(Path.Combine(atArchive, "720p"));
        File.Copy(source, Path.Combine(atArchive, "720p/720p.mp4"));
        Directory.CreateDirectory(Path.Combine(atArchive, "1080p"));
        File.Copy(Path.Combine(sandbox.Media, "movie-6/hls/index.m3u8"), Path.Combine(atArchive, "1080p/index.m3u8"));

        var reconcile = await sandbox.RunAsync("reconcile");

        reconcile.ExitCode.ShouldBe(1, reconcile.ToString());
        reconcile.Stdout.ShouldContain("movie-6/720p/720p.mp4 is at archive although movie-6 was removed from it (v2); removed again");
        reconcile.Stdout.ShouldContain("movie-6/1080p/index.m3u8 is at archive although movie-6 was removed from it (v2); removed again");
        reconcile.Stdout.ShouldNotContain("at backup");
        reconcile.Stdout.ShouldContain("checked 4 deliveries: 2 healthy, 0 re-queued");
        Files.List(atArchive).ShouldBeEmpty("the files that reappeared are removed again");
        Files.List(atBackup).ShouldBeEmpty();
        var status = await sandbox.StatusAsync("movie-6");
        status.GetProperty("state").GetString().ShouldBe("removed");
        status.GetProperty("version").GetInt32().ShouldBe(2, "reconcile makes no new version");
        var after = await sandbox.RunAsync("reconcile");
        after.ExitCode.ShouldBe(0, after.ToString());
        after.Stdout.ShouldContain("checked 4 deliveries: 4 healthy, 0 re-queued");
    }
}
