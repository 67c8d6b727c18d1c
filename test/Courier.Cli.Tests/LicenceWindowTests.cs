using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>
/// Licence windows end to end on the real clock, on SQLite and PostgreSQL: the real courier (<c>distribute</c> beside
/// <c>serve</c>), a filesystem target and nginx WebDAV. Before the window opens the deliveries wait <c>scheduled</c>
/// (not pushed, not in the failure queue); serve pushes them when it opens, and takes the video down when it closes.
/// The windows open or close a minute or more ahead: on a loaded machine a courier process may take tens of seconds to
/// submit, and the window must still be ahead when it does.
/// </summary>
public sealed class LicenceWindowTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);
    private static readonly string[] PackageFiles = ["360p/360p.mp4", "hls/index.m3u8", "hls/seg_000.ts"];

    public static TheoryData<string> Stores => new(["sqlite", "postgres"]);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_window_in_the_future_keeps_deliveries_scheduled_and_serve_pushes_them_when_it_opens(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = Prepare("window-opens", store, webdav, webdavRoot, out var atNginx);
        var from = DateTimeOffset.UtcNow.AddSeconds(60);

        var result = await sandbox.RunAsync("distribute", "--video", "movie-7", "--rendition", "360p=movie-7/360p.mp4", "--rendition", "hls=movie-7/hls/", "--available-from", Iso(from));

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain("movie-7 v1: 0 delivered, 0 queued, 0 dead, 4 scheduled for their licence window");
        var status = await sandbox.StatusAsync("movie-7");
        var deliveries = status.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Count.ShouldBe(4);
        foreach (var d in deliveries)
        {
            d.GetProperty("state").GetString().ShouldBe("scheduled");
            d.GetProperty("attempts").GetInt32().ShouldBe(0);
            d.GetProperty("nextAttemptAt").GetDateTimeOffset().ShouldBe(from, TimeSpan.FromMilliseconds(1));
        }

        var queue = JsonDocument.Parse((await sandbox.RunAsync("queue", "--json")).Stdout).RootElement;
        queue.GetProperty("items").GetArrayLength().ShouldBe(0, "scheduled deliveries are not in the failure queue");
        var stats = JsonDocument.Parse((await sandbox.RunAsync("stats", "--json")).Stdout).RootElement;
        stats.GetProperty("deliveries").GetProperty("queued").GetInt64().ShouldBe(0);
        stats.GetProperty("deliveries").GetProperty("scheduled").GetInt64().ShouldBe(4);
        Files.List(Path.Combine(sandbox.Dir, "targets/archive")).ShouldBeEmpty();
        Files.List(atNginx).ShouldBeEmpty();

        // Only serve opens windows: it pushes them when the window opens, not before.
        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-7")).GetProperty("state").GetString() == "distributed",
            Bound,
            "serve to push the deliveries once the window opened",
            () => serve.Stderr);
        var done = (await sandbox.StatusAsync("movie-7")).GetProperty("deliveries").EnumerateArray().ToList();
        done.ShouldAllBe(d => d.GetProperty("deliveredAt").GetDateTimeOffset() >= from, "nothing was pushed before the window opened");
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-7")).ShouldBe(PackageFiles);
        Files.List(Path.Combine(atNginx, "movie-7")).ShouldBe(PackageFiles);
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_closing_window_takes_the_video_down_from_its_targets(string store)
    {
        var (webdav, webdavRoot) = TestServices.WebDav;
        using var sandbox = Prepare("window-closes", store, webdav, webdavRoot, out var atNginx);
        await using var serve = sandbox.Start("serve");
        var until = DateTimeOffset.UtcNow.AddSeconds(90);

        var result = await sandbox.RunAsync("distribute", "--video", "movie-8", "--rendition", "360p=movie-8/360p.mp4", "--rendition", "hls=movie-8/hls/", "--available-until", Iso(until));

        result.ExitCode.ShouldBe(0, result.ToString());
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-8")).ShouldBe(PackageFiles);
        Files.List(Path.Combine(atNginx, "movie-8")).ShouldBe(PackageFiles);
        (await sandbox.StatusAsync("movie-8")).GetProperty("state").GetString().ShouldBe("distributed");

        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-8")).GetProperty("state").GetString() == "removed",
            Bound,
            "serve to take the video down once its window closed",
            () => serve.Stderr);
        var status = await sandbox.StatusAsync("movie-8");
        status.GetProperty("version").GetInt32().ShouldBe(2);
        status.GetProperty("deliveries").EnumerateArray().ShouldAllBe(d => d.GetProperty("state").GetString() == "removed");
        Files.List(Path.Combine(sandbox.Dir, "targets/archive/movie-8")).ShouldBeEmpty();
        Files.List(Path.Combine(atNginx, "movie-8")).ShouldBeEmpty();
        using var http = new HttpClient();
        var gone = await http.GetAsync(new Uri(webdav, $"{Path.GetFileName(atNginx)}/movie-8/hls/index.m3u8"), TestContext.Current.CancellationToken);
        ((int)gone.StatusCode).ShouldBe(404);
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
    }

    public static TheoryData<string[], string> BadWindows => new()
    {
        { ["--available-from", "2030-01-02T00:00:00Z", "--available-until", "2030-01-01T00:00:00Z"], "courier: --available-until (2030-01-01T00:00:00.0000000Z) must be after --available-from (2030-01-02T00:00:00.0000000Z)" },
        { ["--available-from", "next tuesday"], "courier: --available-from 'next tuesday' is not an ISO 8601 date and time (e.g. 2026-12-01T18:00:00Z)" },
        { ["--available-until", "2001-01-01T00:00:00Z"], "courier: --available-until (2001-01-01T00:00:00.0000000Z) is already past: the window would be closed before it opened" },
    };

    [Theory]
    [MemberData(nameof(BadWindows))]
    public async Task A_bad_window_exits_2_with_one_line_and_stores_nothing(string[] window, string message)
    {
        using var sandbox = new Sandbox("window-bad");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        sandbox.WriteMedia("movie-9/360p.mp4", 10_000);

        var result = await sandbox.RunAsync(["distribute", "--video", "movie-9", "--rendition", "360p=movie-9/360p.mp4", .. window]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StderrLines.ShouldHaveSingleItem().ShouldBe(message);
        (await sandbox.RunAsync("status", "movie-9")).ExitCode.ShouldBe(2, "nothing was stored");
        Files.List(Path.Combine(sandbox.Dir, "targets/archive")).ShouldBeEmpty();
    }

    private static Sandbox Prepare(string name, string store, Uri webdav, string webdavRoot, out string atNginx)
    {
        var sandbox = new Sandbox(name);
        sandbox.UseStore(store);
        var prefix = $"cli-{sandbox.Id}";
        atNginx = sandbox.Shared(webdavRoot, prefix);
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            ["cdn-webdav"] = Sandbox.Http(new Uri(webdav, prefix + "/").ToString()),
        });
        var videoId = name == "window-opens" ? "movie-7" : "movie-8";
        sandbox.WriteMedia($"{videoId}/360p.mp4", 50_000);
        sandbox.WriteMedia($"{videoId}/hls/seg_000.ts", 40_000);
        sandbox.WriteText($"media/{videoId}/hls/index.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_000.ts\n#EXT-X-ENDLIST\n");
        return sandbox;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
