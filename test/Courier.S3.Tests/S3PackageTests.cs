using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Testing.Proxy;

namespace Courier.S3.Tests;

/// <summary>A package (HLS) pushed by the core's <see cref="RenditionPusher"/> to a real S3 server, seen through the fault proxy, which records every request.</summary>
public sealed class S3PackageTests
{
    [Fact]
    public async Task Package_arrives_with_segments_first_playlists_last_and_a_second_push_sends_nothing()
    {
        await using var proxy = S3TestServer.StartProxy();
        using var files = new TempFiles();
        files.Text("movie-42/hls/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5000000\nv/index.m3u8\n");
        files.Text("movie-42/hls/v/index.m3u8", "#EXTM3U\n" + string.Concat(Enumerable.Range(0, 8).Select(i => $"#EXTINF:2,\nseg_{i:000}.ts\n")) + "#EXT-X-ENDLIST\n");
        for (var i = 0; i < 8; i++)
        {
            files.Random($"movie-42/hls/v/seg_{i:000}.ts", 40_000 + i, seed: i);
        }

        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => o.Prefix = "origin", serviceUrl: S3TestServer.ProxyUrl(proxy));
        var content = new SourceResolver(files.Root).Resolve("1080p", "movie-42/hls/", "renditions[0].path");
        var delivery = new ClaimedDelivery(Guid.NewGuid(), "movie-42", 1, "1080p", "movie-42/hls/", RenditionKind.Package, content.Fingerprint, "cdn-south", 0, Guid.NewGuid(), DateTimeOffset.UnixEpoch);
        var pusher = new RenditionPusher(new RetryPolicy(new RetryOptions()), TimeProvider.System);
        using var watchdog = new StallWatchdog(TimeProvider.System, TimeSpan.FromMinutes(1), Ct);

        var pushed = await pusher.PushAsync(target, delivery, content, nothingPushedYet: true, lookUpFirst: false, olderKeys: new HashSet<string>(), verified: new Dictionary<string, DeliveredFile>(), files: new(), watchdog, Ct);

        var puts = PutPaths(proxy, bucket);
        puts.Count.ShouldBe(10);
        var lastSegment = puts.FindLastIndex(p => p.EndsWith(".ts", StringComparison.Ordinal));
        puts.IndexOf("origin/movie-42/1080p/v/index.m3u8").ShouldBeGreaterThan(lastSegment, "the media playlist goes after every segment");
        puts[^1].ShouldBe("origin/movie-42/1080p/master.m3u8", "the master playlist goes last");
        foreach (var file in content.Files)
        {
            (await S3TestServer.ReadAsync(bucket, "origin/movie-42/1080p/" + file.RelativePath)).ShouldBe(await File.ReadAllBytesAsync(file.FullPath, Ct), file.RelativePath);
        }

        (await S3TestServer.HeadAsync(bucket, "origin/movie-42/1080p/master.m3u8"))!.Headers.ContentType.ShouldBe("application/vnd.apple.mpegurl");
        (await S3TestServer.HeadAsync(bucket, "origin/movie-42/1080p/v/seg_000.ts"))!.Headers.ContentType.ShouldBe("video/mp2t");
        pushed.BytesSent.ShouldBe(content.TotalBytes);

        var again = await pusher.PushAsync(target, delivery, content, nothingPushedYet: false, lookUpFirst: true, olderKeys: new HashSet<string>(), verified: new Dictionary<string, DeliveredFile>(), files: new(), watchdog, Ct);

        again.FilesSkipped.ShouldBe(10, "the target already holds every file with the same size and SHA-256");
        again.BytesSent.ShouldBe(0);
        again.Digest.ShouldBe(pushed.Digest);
        PutPaths(proxy, bucket).Count.ShouldBe(10, "nothing is sent again");
    }

    private static List<string> PutPaths(FaultProxy proxy, string bucket) =>
        proxy.Requests
            .Where(r => r.StartsWith($"PUT /{bucket}/", StringComparison.Ordinal))
            .Select(r => r.Split(' ')[1][(bucket.Length + 2)..])
            .ToList();
}
