using System.Security.Cryptography;
using System.Text.Json;

namespace Courier.Consumers.Tests;

/// <summary>
/// What Courier publishes, read by the programs that will consume it: ffprobe and ffmpeg play the HLS package from nginx
/// and from S3 (presigned), the AWS CLI reads the objects' heads from s3rver and the objects themselves from Swift (which
/// checks signatures), and promtool reads <c>/metrics</c>.
/// </summary>
public sealed class ConsumerTests(PublishedVideo video) : IClassFixture<PublishedVideo>
{
    private const string Aws = "/usr/bin/aws";

    private static readonly Dictionary<string, string> ExpectedTypes = new()
    {
        [".m3u8"] = "application/vnd.apple.mpegurl",
        [".ts"] = "video/mp2t",
        [".mp4"] = "video/mp4",
    };

    [Fact]
    public async Task Ffprobe_and_ffmpeg_play_the_hls_package_over_http_from_nginx_to_the_end()
    {
        var playlist = $"{video.WebDavUrl}{video.Key("720p/index.m3u8")}";

        var probe = await Tool.RunAsync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", playlist]);
        var decode = await Tool.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", playlist, "-f", "null", "-"]);

        probe.ExitCode.ShouldBe(0, probe.ToString());
        var stream = JsonDocument.Parse(probe.Output).RootElement.GetProperty("streams")[0];
        stream.GetProperty("codec_name").GetString().ShouldBe("h264");
        stream.GetProperty("width").GetInt32().ShouldBe(1280);
        stream.GetProperty("height").GetInt32().ShouldBe(720);
        stream.GetProperty("nb_read_frames").GetString().ShouldBe(PublishedVideo.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        decode.ExitCode.ShouldBe(0, decode.ToString());
        decode.Error.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ffmpeg_plays_the_renditions_from_s3_through_presigned_urls()
    {
        foreach (var relative in new[] { "720p/index.m3u8", "360p/360p.mp4" })
        {
            var presign = await Tool.RunAsync(Aws, ["--endpoint-url", video.S3Url, "s3", "presign", $"s3://{PublishedVideo.Bucket}/{video.Key(relative)}", "--expires-in", "600"], video.AwsEnvironment);
            presign.ExitCode.ShouldBe(0, presign.ToString());
            var url = presign.Output.Trim();
            url.ShouldContain("X-Amz-Signature=");

            var frames = await Tool.RunAsync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url]);
            var decode = await Tool.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", url, "-f", "null", "-"]);

            frames.ExitCode.ShouldBe(0, frames.ToString());
            // An HLS playlist is also listed as a program: every line that counts frames must say all of them.
            frames.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()
                .ShouldBe([PublishedVideo.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture)], relative);
            decode.ExitCode.ShouldBe(0, decode.ToString());
            decode.Error.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task The_aws_cli_sees_the_content_types_and_the_checksums_courier_stored()
    {
        video.SourceFiles.Count.ShouldBeGreaterThan(3);
        foreach (var (relative, source) in video.SourceFiles)
        {
            var head = await Tool.RunAsync(Aws, ["--endpoint-url", video.S3Url, "s3api", "head-object", "--bucket", PublishedVideo.Bucket, "--key", video.Key(relative), "--output", "json"], video.AwsEnvironment);
            head.ExitCode.ShouldBe(0, head.ToString());
            var json = JsonDocument.Parse(head.Output).RootElement;
            await using var file = File.OpenRead(source);
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, TestContext.Current.CancellationToken));
            file.Position = 0;
#pragma warning disable CA5351 // S3 ETags are MD5s: this checks the ETag, it protects nothing
            var md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(file, TestContext.Current.CancellationToken));
#pragma warning restore CA5351

            json.GetProperty("ContentType").GetString().ShouldBe(ExpectedTypes[Path.GetExtension(relative)], relative);
            json.GetProperty("ContentLength").GetInt64().ShouldBe(new FileInfo(source).Length, relative);
            json.GetProperty("ETag").GetString().ShouldBe($"\"{md5}\"", relative);
            json.GetProperty("Metadata").GetProperty("sha256").GetString().ShouldBe(sha256, relative);
        }

        ShouldBeDeliveredTo("s3");
    }

    [Fact]
    public async Task The_aws_cli_reads_from_swift_the_bytes_and_types_courier_published()
    {
        // Swift's s3api checks every SigV4 signature: what the AWS CLI reads there, Courier signed and sent correctly.
        var downloads = Directory.CreateTempSubdirectory("courier-consumers-swift-").FullName;
        try
        {
            video.SourceFiles.Count.ShouldBeGreaterThan(3);
            foreach (var (relative, source) in video.SourceFiles)
            {
                var copy = Path.Combine(downloads, relative.Replace('/', '_'));
                var get = await Tool.RunAsync(Aws, ["--endpoint-url", video.SwiftUrl, "s3api", "get-object", "--bucket", video.SwiftBucket, "--key", video.Key(relative), "--output", "json", copy], video.SwiftAwsEnvironment);
                get.ExitCode.ShouldBe(0, get.ToString());
                var json = JsonDocument.Parse(get.Output).RootElement;

                json.GetProperty("ContentType").GetString().ShouldBe(ExpectedTypes[Path.GetExtension(relative)], relative);
                json.GetProperty("ContentLength").GetInt64().ShouldBe(new FileInfo(source).Length, relative);
                File.ReadAllBytes(copy).ShouldBe(File.ReadAllBytes(source), relative);
            }
        }
        finally
        {
            Directory.Delete(downloads, recursive: true);
        }

        ShouldBeDeliveredTo("swift");
    }

    [Fact]
    public async Task Promtool_accepts_the_metrics()
    {
        using var http = new HttpClient { BaseAddress = video.ServerAddress };
        var metrics = await http.GetStringAsync("metrics", TestContext.Current.CancellationToken);
        metrics.ShouldContain("courier_");

        var check = await Tool.RunAsync("promtool", ["check", "metrics"], stdin: metrics);

        check.ExitCode.ShouldBe(0, check.ToString());
        (check.Output + check.Error).Trim().ShouldBeEmpty();
    }

    /// <summary>Both renditions of the video are <c>delivered</c> to <paramref name="target"/> in the report Courier answered.</summary>
    private void ShouldBeDeliveredTo(string target)
    {
        var delivered = video.Report.Deliveries.Where(d => d.Target == target).ToList();
        delivered.Count.ShouldBe(2, target);
        delivered.ShouldAllBe(d => d.State == "delivered");
    }
}
