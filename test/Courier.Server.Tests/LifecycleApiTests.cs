using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Courier.Testing.Proxy;

namespace Courier.Server.Tests;

/// <summary>
/// A video's life through the API, on SQLite and PostgreSQL: new versions supersede older ones at every target, files a
/// newer version lacks are deleted, and <c>DELETE /api/videos/{id}</c> takes a video down, proven, at filesystem targets
/// and at nginx WebDAV behind the fault proxy.
/// </summary>
public sealed class LifecycleApiTests
{
    private const string Key = "lifecycle-api-key-0123456789";

    public static TheoryData<string> Stores => new(["sqlite", "postgres"]);

    private static Dictionary<string, string?> Fast() => new()
    {
        ["Api:ApiKey"] = Key,
        ["Scan:Interval"] = "00:00:00.500",
        ["Retry:FirstDelay"] = "00:00:00.200",
        ["Retry:MaxDelay"] = "00:00:01",
        ["Circuit:BreakDuration"] = "00:00:00.500",
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Delete_takes_the_video_off_every_target_answers_200_removed_and_the_id_can_be_distributed_again(string store)
    {
        await using var host = CourierHost.Create(settings: Fast()).OnStore(store);
        host.WriteSource("m/360p.mp4", 10_000);
        host.WriteSource("m/hls/seg_000.ts", 20_000);
        host.WriteSource("m/hls/index.m3u8", 100);
        using var client = host.CreateClient();
        var submit = new { videoId = "m", renditions = new[] { new { name = "360p", path = "m/360p.mp4" }, new { name = "1080p", path = "m/hls/" } } };
        (await SendAsync(client, HttpMethod.Post, "/api/videos", submit)).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var letter in new[] { "a", "b" })
        {
            Listing(host.TargetRoot(letter), "m").ShouldBe(["1080p/index.m3u8", "1080p/seg_000.ts", "360p/360p.mp4"]);
        }

        using var removed = await SendAsync(client, HttpMethod.Delete, "/api/videos/m");

        removed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = await Json.ReadAsync(removed);
        report.GetProperty("state").GetString().ShouldBe("removed");
        report.GetProperty("version").GetInt32().ShouldBe(2);
        var deliveries = report.GetProperty("deliveries").EnumerateArray().ToList();
        deliveries.Count.ShouldBe(4);
        deliveries.ShouldAllBe(d => d.GetProperty("state").GetString() == "removed" && d.GetProperty("operation").GetString() == "remove" && d.GetProperty("version").GetInt32() == 2);
        foreach (var letter in new[] { "a", "b" })
        {
            Listing(host.TargetRoot(letter), "m").ShouldBeEmpty($"every file of m is gone from target {letter}");
        }

        var status = await Json.ReadAsync(await client.GetAsync("/api/videos/m", Ct));
        var targets = status.GetProperty("targets").EnumerateArray().ToList();
        targets.Select(t => t.GetProperty("target").GetString()).ShouldBe([host.TargetA, host.TargetB]);
        targets.ShouldAllBe(t => t.GetProperty("removed").GetBoolean() && t.GetProperty("liveVersion").ValueKind == JsonValueKind.Null);

        using (var again = await SendAsync(client, HttpMethod.Delete, "/api/videos/m"))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await Json.ReadAsync(again)).GetProperty("version").GetInt32().ShouldBe(2, "removing a removed video again is the same removal");
        }

        using var back = await SendAsync(client, HttpMethod.Post, "/api/videos", submit);
        back.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Json.ReadAsync(back)).GetProperty("version").GetInt32().ShouldBe(3, "distributing the id again after a takedown is a new version");
        Listing(host.TargetRoot("a"), "m").ShouldBe(["1080p/index.m3u8", "1080p/seg_000.ts", "360p/360p.mp4"]);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Delete_of_an_unknown_or_bad_id_or_target_or_without_the_key_is_refused_and_changes_nothing(string store)
    {
        await using var host = CourierHost.Create(settings: Fast()).OnStore(store);
        var source = host.WriteSource("keep/360p.mp4", 10_000);
        using var client = host.CreateClient();
        (await SendAsync(client, HttpMethod.Post, "/api/videos", new { videoId = "keep", renditions = new[] { new { name = "360p", path = "keep/360p.mp4" } } })).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var anonymous = await client.DeleteAsync("/api/videos/keep", Ct))
        {
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using (var unknown = await SendAsync(client, HttpMethod.Delete, "/api/videos/nope"))
        {
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await Json.ReadAsync(unknown)).GetProperty("detail").GetString().ShouldBe("no such video: nope");
        }

        using (var bad = await SendAsync(client, HttpMethod.Delete, "/api/videos/bad%20id"))
        {
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await Json.ReadAsync(bad)).GetProperty("field").GetString().ShouldBe("videoId");
        }

        using (var nowhere = await SendAsync(client, HttpMethod.Delete, "/api/videos/keep?target=nowhere"))
        {
            nowhere.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await Json.ReadAsync(nowhere)).GetProperty("detail").GetString()!.ShouldContain("unknown target 'nowhere'");
        }

        var status = await Json.ReadAsync(await client.GetAsync("/api/videos/keep", Ct));
        status.GetProperty("version").GetInt32().ShouldBe(1);
        status.GetProperty("state").GetString().ShouldBe("distributed");
        (await client.GetAsync("/api/videos/nope", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        foreach (var letter in new[] { "a", "b" })
        {
            File.ReadAllBytes(Path.Combine(host.TargetRoot(letter), "keep/360p/360p.mp4")).ShouldBe(source);
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Version_2_deletes_the_segments_and_renditions_version_1_had_and_it_lacks_once_it_is_delivered(string store)
    {
        await using var host = CourierHost.Create(settings: Fast()).OnStore(store);
        host.WriteSource("v1/360p.mp4", 10_000);
        for (var i = 0; i < 3; i++)
        {
            host.WriteSource($"v1/hls/seg_{i:000}.ts", 20_000);
        }

        host.WriteSource("v1/hls/index.m3u8", 100);
        var segments = new[] { host.WriteSource("v2/hls/seg_000.ts", 21_000), host.WriteSource("v2/hls/seg_001.ts", 21_000) };
        host.WriteSource("v2/hls/index.m3u8", 90);
        using var client = host.CreateClient();
        (await SendAsync(client, HttpMethod.Post, "/api/videos", new { videoId = "o", renditions = new[] { new { name = "360p", path = "v1/360p.mp4" }, new { name = "1080p", path = "v1/hls/" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        using var second = await SendAsync(client, HttpMethod.Post, "/api/videos", new { videoId = "o", renditions = new[] { new { name = "1080p", path = "v2/hls/" } } });

        ((int)second.StatusCode).ShouldBeOneOf(200, 202);
        (await Json.ReadAsync(second)).GetProperty("version").GetInt32().ShouldBe(2);
        var video = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/o", Ct)),
            v => v.GetProperty("state").GetString() == "distributed",
            "version 2, with the removal of the rendition it dropped, to be done everywhere");
        var removals = video.GetProperty("deliveries").EnumerateArray().Where(d => d.GetProperty("operation").GetString() == "remove").ToList();
        removals.Select(d => (d.GetProperty("rendition").GetString(), d.GetProperty("state").GetString())).ShouldBe([("360p", "removed"), ("360p", "removed")]);
        foreach (var letter in new[] { "a", "b" })
        {
            Listing(host.TargetRoot(letter), "o").ShouldBe(["1080p/index.m3u8", "1080p/seg_000.ts", "1080p/seg_001.ts"], $"only version 2's files are left at target {letter}");
            File.ReadAllBytes(Path.Combine(host.TargetRoot(letter), "o/1080p/seg_001.ts")).ShouldBe(segments[1]);
        }

        video.GetProperty("targets").EnumerateArray().ShouldAllBe(t => t.GetProperty("liveVersion").GetInt32() == 2 && t.GetProperty("pendingVersion").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Rollback_to_version_1_content_with_its_old_timestamps_is_pushed_again_and_identical_resubmission_pushes_nothing(string store)
    {
        await using var host = CourierHost.Create(settings: Fast()).OnStore(store);
        var first = host.WriteSource("r/720p.mp4", 30_000);
        var path = Path.Combine(host.Media, "r/720p.mp4");
        var stamp = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);
        using var client = host.CreateClient();
        var submit = new { videoId = "r", renditions = new[] { new { name = "720p", path = "r/720p.mp4" } }, targets = new[] { host.TargetA } };
        var atTarget = Path.Combine(host.TargetRoot("a"), "r/720p/720p.mp4");
        (await SendAsync(client, HttpMethod.Post, "/api/videos", submit)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var second = new byte[first.Length];
        Random.Shared.NextBytes(second);
        File.WriteAllBytes(path, second);
        var v2 = await Json.ReadAsync(await SendAsync(client, HttpMethod.Post, "/api/videos", submit));
        v2.GetProperty("version").GetInt32().ShouldBe(2);
        File.ReadAllBytes(atTarget).ShouldBe(second);

        // cp -p / rsync -a: version 1's bytes back, with version 1's timestamp.
        File.WriteAllBytes(path, first);
        File.SetLastWriteTimeUtc(path, stamp);
        using var rollback = await SendAsync(client, HttpMethod.Post, "/api/videos", submit);

        rollback.StatusCode.ShouldBe(HttpStatusCode.OK);
        var v3 = await Json.ReadAsync(rollback);
        v3.GetProperty("version").GetInt32().ShouldBe(3, "an older version's content again is a new version");
        File.ReadAllBytes(atTarget).ShouldBe(first, "the target serves the rolled-back content");

        using var same = await SendAsync(client, HttpMethod.Post, "/api/videos", submit);
        same.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = await Json.ReadAsync(same);
        report.GetProperty("version").GetInt32().ShouldBe(3, "the newest content again is the same version");
        report.GetProperty("deliveries").EnumerateArray().ShouldHaveSingleItem().GetProperty("attempts").GetInt32().ShouldBe(1, "nothing was pushed again");
        var stats = await Json.ReadAsync(await client.GetAsync("/api/stats", Ct));
        stats.GetProperty("sync").GetProperty("attempts").GetInt64().ShouldBe(3, "three pushes: v1, v2, v3");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Version_1_queued_behind_a_down_target_is_superseded_by_version_2_and_never_written_there(string store)
    {
        await using var cdn = ProxiedWebDav.Start(store);
        var (proxy, host, atNginx) = (cdn.Proxy, cdn.Host, cdn.AtNginx);
        host.WriteSource("q/720p.mp4", 40_000);
        using var client = host.CreateClient();
        var submit = new { videoId = "q", renditions = new[] { new { name = "720p", path = "q/720p.mp4" } }, targets = new[] { "cdn" } };
        proxy.GoDown();

        using var first = await SendAsync(client, HttpMethod.Post, "/api/videos", submit);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var v1 = (await Json.ReadAsync(first)).GetProperty("deliveries").EnumerateArray().Single();
        v1.GetProperty("state").GetString().ShouldBe("queued");
        var second = host.WriteSource("q/720p.mp4", 50_000);
        using var newer = await SendAsync(client, HttpMethod.Post, "/api/videos", submit);
        (await Json.ReadAsync(newer)).GetProperty("version").GetInt32().ShouldBe(2);
        var superseded = await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{v1.GetProperty("id").GetGuid()}", Ct));
        superseded.GetProperty("state").GetString().ShouldBe("superseded");
        superseded.GetProperty("version").GetInt32().ShouldBe(1);

        proxy.GoUp();
        var video = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/q", Ct)),
            v => v.GetProperty("state").GetString() == "distributed",
            "the scanner to deliver version 2 once the target is back",
            TimeSpan.FromSeconds(60));

        File.ReadAllBytes(Path.Combine(atNginx, "q/720p/720p.mp4")).ShouldBe(second, "the target holds version 2's bytes");
        video.GetProperty("targets").EnumerateArray().Single().GetProperty("liveVersion").GetInt32().ShouldBe(2);
        var puts = proxy.Exchanges.Where(e => e.Method == "PUT").ToList();
        puts.ShouldNotBeEmpty();
        puts.ShouldAllBe(e => e.BodyBytesRead == second.Length, "every write at the target carried version 2's bytes: version 1 was never pushed");
        (await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{v1.GetProperty("id").GetGuid()}", Ct))).GetProperty("state").GetString().ShouldBe("superseded");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Version_2_submitted_while_version_1_is_mid_upload_through_a_slow_link_wins_and_no_two_writes_to_the_key_overlap(string store)
    {
        await using var cdn = ProxiedWebDav.Start(store);
        var (proxy, host, atNginx) = (cdn.Proxy, cdn.Host, cdn.AtNginx);
        var first = host.WriteSource("s/v1/720p.mp4", 3_000_000);
        var second = host.WriteSource("s/v2/720p.mp4", 2_000_000);
        using var client = host.CreateClient();
        object Submit(string path) => new { videoId = "s", renditions = new[] { new { name = "720p", path } }, targets = new[] { "cdn" } };

        // Version 1 crawls through a link of 1 MB/s: about three seconds of upload.
        var slow = proxy.Add(FaultRule.For(Fault.Throttle(1_000_000)).OnMethod("PUT"));
        var v1Post = SendAsync(client, HttpMethod.Post, "/api/videos", Submit("s/v1/720p.mp4"));
        await Eventually.WaitForAsync(() => proxy.InProgress.Any(e => e.Method == "PUT"), TimeSpan.FromSeconds(20), "version 1's upload to start");
        proxy.ClearRules();

        var v2SubmittedAt = TimeProvider.System.GetUtcNow();
        using var newer = await SendAsync(client, HttpMethod.Post, "/api/videos", Submit("s/v2/720p.mp4"));

        var v2 = await Json.ReadAsync(newer);
        v2.GetProperty("version").GetInt32().ShouldBe(2);
        using var older = await v1Post;
        var v1Id = (await Json.ReadAsync(older)).GetProperty("deliveries").EnumerateArray().Single().GetProperty("id").GetGuid();
        var video = await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/s", Ct)),
            v => v.GetProperty("state").GetString() == "distributed",
            "the scanner to deliver version 2 once version 1's push let go of the key",
            TimeSpan.FromSeconds(60));

        File.ReadAllBytes(Path.Combine(atNginx, "s/720p/720p.mp4")).ShouldBe(second, "the target ends with version 2's bytes");
        video.GetProperty("version").GetInt32().ShouldBe(2);
        video.GetProperty("targets").EnumerateArray().Single().GetProperty("liveVersion").GetInt32().ShouldBe(2);
        (await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{v1Id}", Ct))).GetProperty("state").GetString().ShouldBe("superseded");
        slow.Fired.ShouldBe(1);

        // The proxy's log: each write of the key is a PUT to a temp name and the MOVE of that temp name onto the key.
        await proxy.DisposeAsync();
        var log = proxy.Exchanges;
        var writes = log.Where(e => e.Method == "PUT").Select(put =>
        {
            var move = log.SingleOrDefault(e => e.Method == "MOVE" && e.Target == put.Target);
            return new
            {
                Version = put.BodyBytesRead == first.Length ? 1 : put.BodyBytesRead == second.Length ? 2 : 0,
                Key = move?.Header("Destination") is { } destination ? new Uri(destination).AbsolutePath : null,
                Start = put.StartedAt,
                End = move?.EndedAt ?? put.EndedAt,
            };
        }).OrderBy(w => w.Start).ToList();
        writes.ShouldAllBe(w => w.Version != 0 && w.Key != null && w.Key.EndsWith("/s/720p/720p.mp4", StringComparison.Ordinal), "every PUT carried one version's bytes and was moved onto the key");
        writes.Select(w => w.Version).ShouldBe([1, 2], "one write of version 1, then one of version 2");
        var (v1Write, v2Write) = (writes[0], writes[1]);
        v1Write.End.ShouldBeGreaterThan(v2SubmittedAt, "version 1 was still being written when version 2 was submitted");
        writes.Where(w => w.Version == 1).ShouldAllBe(w => w.Start < v2SubmittedAt, "no write of version 1 starts after version 2 was submitted");
        v2Write.Start.ShouldBeGreaterThanOrEqualTo(v1Write.End, "version 2's write starts only once version 1's write (upload and move) has ended");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Removal_at_webdav_deletes_playlists_first_and_a_204_that_leaves_the_file_is_not_called_removed(string store)
    {
        await using var cdn = ProxiedWebDav.Start(store);
        var (proxy, host, atNginx) = (cdn.Proxy, cdn.Host, cdn.AtNginx);
        for (var i = 0; i < 3; i++)
        {
            host.WriteSource($"p/hls/seg_{i:000}.ts", 20_000);
        }

        host.WriteSource("p/hls/index.m3u8", 100);
        using var client = host.CreateClient();
        (await SendAsync(client, HttpMethod.Post, "/api/videos", new { videoId = "p", renditions = new[] { new { name = "1080p", path = "p/hls/" } }, targets = new[] { "cdn" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        Listing(atNginx, "p").ShouldBe(["1080p/index.m3u8", "1080p/seg_000.ts", "1080p/seg_001.ts", "1080p/seg_002.ts"]);
        var lying = proxy.Add(FaultRule.For(Fault.AckWithoutDeleting()).OnMethod("DELETE"));

        using var removal = await SendAsync(client, HttpMethod.Delete, "/api/videos/p?target=cdn");

        removal.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var report = await Json.ReadAsync(removal);
        report.GetProperty("state").GetString().ShouldBe("partial");
        var delivery = report.GetProperty("deliveries").EnumerateArray().Single();
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("errorKind").GetString().ShouldBe("not_removed");
        lying.Fired.ShouldBeGreaterThan(0);
        File.Exists(Path.Combine(atNginx, "p/1080p/index.m3u8")).ShouldBeTrue("the target answered 204 but kept the playlist");

        proxy.ClearRules();
        await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/p", Ct)),
            v => v.GetProperty("state").GetString() == "removed",
            "the scanner to finish the removal once the target really deletes",
            TimeSpan.FromSeconds(60));
        Listing(atNginx, "p").ShouldBeEmpty();
        var deletes = proxy.Exchanges.Where(e => e.Method == "DELETE").ToList();
        var playlists = deletes.Where(e => e.Target.EndsWith(".m3u8", StringComparison.Ordinal)).Select(e => e.Index).ToList();
        var media = deletes.Where(e => e.Target.EndsWith(".ts", StringComparison.Ordinal)).Select(e => e.Index).ToList();
        media.Count.ShouldBe(3);
        playlists.Max().ShouldBeLessThan(media.Min(), "the playlist is deleted (and proven gone) before any segment it names");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Removal_racing_a_queued_push_supersedes_it_and_the_push_never_lands(string store)
    {
        await using var cdn = ProxiedWebDav.Start(store);
        var (proxy, host, atNginx) = (cdn.Proxy, cdn.Host, cdn.AtNginx);
        host.WriteSource("x/720p.mp4", 30_000);
        using var client = host.CreateClient();
        proxy.GoDown();
        using var push = await SendAsync(client, HttpMethod.Post, "/api/videos", new { videoId = "x", renditions = new[] { new { name = "720p", path = "x/720p.mp4" } }, targets = new[] { "cdn" } });
        push.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var pushId = (await Json.ReadAsync(push)).GetProperty("deliveries").EnumerateArray().Single().GetProperty("id").GetGuid();

        using var removal = await SendAsync(client, HttpMethod.Delete, "/api/videos/x");

        removal.StatusCode.ShouldBe(HttpStatusCode.Accepted, "the target is down: the removal waits in the queue");
        (await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{pushId}", Ct))).GetProperty("state").GetString().ShouldBe("superseded");
        proxy.GoUp();
        await Eventually.WaitAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/videos/x", Ct)),
            v => v.GetProperty("state").GetString() == "removed",
            "the scanner to run the removal once the target is back",
            TimeSpan.FromSeconds(60));
        proxy.Exchanges.ShouldNotContain(e => e.Method == "PUT", "the superseded push was never written");
        Listing(atNginx, "x").ShouldBeEmpty();
        (await Json.ReadAsync(await client.GetAsync($"/api/deliveries/{pushId}", Ct))).GetProperty("state").GetString().ShouldBe("superseded");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Body(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client.SendAsync(request, Ct);
    }

    /// <summary>The files under <paramref name="root"/>/<paramref name="videoId"/>, relative, sorted.</summary>
    private static List<string> Listing(string root, string videoId)
    {
        var directory = Path.Combine(root, videoId);
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>nginx WebDAV, from <c>.ci/services</c>.</summary>
    private static class WebDav
    {
        public static Uri Url => new(Required("COURIER_TEST_WEBDAV_URL"));

        public static string Root => Required("COURIER_TEST_WEBDAV_ROOT");

        private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run `.ci/services start` and `source .ci/work/env`");
    }

    /// <summary>
    /// A Courier host whose one target, <c>cdn</c>, is nginx WebDAV behind the fault proxy, in a directory of its own
    /// under nginx's document root (<see cref="AtNginx"/>), removed when the host and the proxy are done.
    /// </summary>
    private sealed class ProxiedWebDav : IAsyncDisposable
    {
        private ProxiedWebDav(FaultProxy proxy, CourierHost host, string atNginx) => (Proxy, Host, AtNginx) = (proxy, host, atNginx);

        public FaultProxy Proxy { get; }

        public CourierHost Host { get; }

        /// <summary>Where the target's files are, as nginx stores them.</summary>
        public string AtNginx { get; }

        public static ProxiedWebDav Start(string store)
        {
            var proxy = FaultProxy.Start(WebDav.Url);
            var prefix = $"lifecycle-{Guid.NewGuid():N}";
            var settings = Fast();
            settings["Targets:cdn:Kind"] = "http";
            settings["Targets:cdn:BaseUrl"] = new Uri(proxy.Url, prefix + "/").ToString();
            return new ProxiedWebDav(proxy, CourierHost.Create(settings: settings).OnStore(store), Path.Combine(WebDav.Root, prefix));
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Proxy.DisposeAsync();
            if (Directory.Exists(AtNginx))
            {
                Directory.Delete(AtNginx, recursive: true);
            }
        }
    }
}
