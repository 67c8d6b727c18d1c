using Courier.Client;
using Courier.Server;
using Courier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Consumers.Tests;

/// <summary>
/// One video, made by ffmpeg (a real H.264/AAC clip: an MP4 and an HLS package), distributed by a Courier server to the
/// real servers of the test machine: nginx over WebDAV, s3rver, and Swift's s3api (which checks SigV4 signatures). The
/// consumers then read what Courier published.
/// </summary>
public sealed class PublishedVideo : IAsyncLifetime
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string Bucket = "courier-test";
    public const int Frames = 50;

    private const string KeyEnv = "COURIER_CONSUMERS_S3_KEY";
    private const string SecretEnv = "COURIER_CONSUMERS_S3_SECRET";
    private const string SwiftKeyEnv = "COURIER_CONSUMERS_SWIFT_KEY";
    private const string SwiftSecretEnv = "COURIER_CONSUMERS_SWIFT_SECRET";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "courier-consumers", Guid.NewGuid().ToString("N"));
    private WebApplication? _server;

    /// <summary>Unique per run: the prefix at both targets.</summary>
    public string Prefix { get; } = "consumers-" + Guid.NewGuid().ToString("N")[..10];

    public string VideoId => "clip";

    public string Media => Path.Combine(_root, "media");

    public string WebDavUrl { get; } = Required("COURIER_TEST_WEBDAV_URL").TrimEnd('/') + "/";

    public string S3Url { get; } = Required("COURIER_TEST_S3_URL");

    public string SwiftUrl { get; } = Required("COURIER_TEST_SWIFT_URL");

    public string SwiftBucket { get; } = Required("COURIER_TEST_SWIFT_BUCKET");

    private string SwiftAccessKey { get; } = Required("COURIER_TEST_SWIFT_ACCESS_KEY");

    private string SwiftSecretKey { get; } = Required("COURIER_TEST_SWIFT_SECRET_KEY");

    public Uri ServerAddress { get; private set; } = null!;

    public VideoReport Report { get; private set; } = null!;

    /// <summary>The source files of the video, relative to the rendition's directory at the target (<c>360p/360p.mp4</c>, <c>720p/index.m3u8</c>).</summary>
    public IReadOnlyDictionary<string, string> SourceFiles { get; private set; } = new Dictionary<string, string>();

    /// <summary>The AWS CLI's environment for s3rver.</summary>
    public IDictionary<string, string> AwsEnvironment => AwsEnvironmentOf(AccessKey, SecretKey);

    /// <summary>The AWS CLI's environment for Swift.</summary>
    public IDictionary<string, string> SwiftAwsEnvironment => AwsEnvironmentOf(SwiftAccessKey, SwiftSecretKey);

    private static Dictionary<string, string> AwsEnvironmentOf(string accessKey, string secretKey) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = accessKey,
        ["AWS_SECRET_ACCESS_KEY"] = secretKey,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_PAGER"] = string.Empty,
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
    };

    public async ValueTask InitializeAsync()
    {
        var clip = Path.Combine(Media, VideoId);
        Directory.CreateDirectory(Path.Combine(clip, "hls-720p"));
        const string Source = "-f lavfi -i testsrc=duration=2:size={0}:rate=25 -f lavfi -i sine=duration=2 -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest";
        await FfmpegAsync(clip, string.Format(System.Globalization.CultureInfo.InvariantCulture, Source, "640x360") + " 360p.mp4");
        await FfmpegAsync(clip, string.Format(System.Globalization.CultureInfo.InvariantCulture, Source, "1280x720")
            + " -g 25 -hls_time 1 -hls_playlist_type vod -hls_segment_filename hls-720p/seg_%03d.ts hls-720p/index.m3u8");
        var files = new Dictionary<string, string> { ["360p/360p.mp4"] = Path.Combine(clip, "360p.mp4") };
        foreach (var segment in Directory.GetFiles(Path.Combine(clip, "hls-720p")))
        {
            files["720p/" + Path.GetFileName(segment)] = segment;
        }

        SourceFiles = files;

        var settings = new Dictionary<string, string?>
        {
            ["Courier:SourceRoot"] = Media,
            ["Courier:Store:Provider"] = "sqlite",
            ["Courier:Store:ConnectionString"] = $"Data Source={Path.Combine(_root, "courier.db")}",
            ["Courier:Api:Urls"] = "http://127.0.0.1:0",
            ["Courier:Targets:nginx:Kind"] = "http",
            ["Courier:Targets:nginx:Region"] = "north",
            ["Courier:Targets:nginx:BaseUrl"] = $"{WebDavUrl}{Prefix}/",
        };
        AddS3Target(settings, "s3", "south", S3Url, Bucket, (KeyEnv, AccessKey), (SecretEnv, SecretKey));
        AddS3Target(settings, "swift", "east", SwiftUrl, SwiftBucket, (SwiftKeyEnv, SwiftAccessKey), (SwiftSecretEnv, SwiftSecretKey));
        var file = Path.Combine(_root, "courier.json");
        await File.WriteAllTextAsync(file, "{ \"Courier\": {} }");
        _server = CourierServer.Build(CourierConfiguration.Load(file, settings));
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        ServerAddress = new Uri(address + "/");

        var client = CourierClient.Create(ServerAddress);
        Report = await client.SubmitAsync(new VideoSubmission(VideoId, [new RenditionSource("360p", $"{VideoId}/360p.mp4"), new RenditionSource("720p", $"{VideoId}/hls-720p/")]));
        if (Report.State != "distributed")
        {
            throw new InvalidOperationException($"the video was not distributed: {string.Join("; ", Report.Deliveries.Select(d => $"{d.Rendition}@{d.Target} {d.State} {d.LastError}"))}");
        }
    }

    /// <summary>The object key (and WebDAV path) of <paramref name="relative"/> (<c>720p/index.m3u8</c>).</summary>
    public string Key(string relative) => $"{Prefix}/{VideoId}/{relative}";

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: unique per run.
        }
    }

    private static async Task FfmpegAsync(string directory, string arguments)
    {
        var ffmpeg = await Tool.RunAsync("ffmpeg", ["-nostdin", "-y", "-loglevel", "error", .. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)], workingDirectory: directory);
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not make the test clip: {ffmpeg}");
        }
    }

    /// <summary>An S3 target <paramref name="name"/> under <see cref="Prefix"/>, its keys handed over in the environment variables named.</summary>
    private void AddS3Target(Dictionary<string, string?> settings, string name, string region, string serviceUrl, string bucket, (string Name, string Value) key, (string Name, string Value) secret)
    {
        Environment.SetEnvironmentVariable(key.Name, key.Value);
        Environment.SetEnvironmentVariable(secret.Name, secret.Value);
        settings[$"Courier:Targets:{name}:Kind"] = "s3";
        settings[$"Courier:Targets:{name}:Region"] = region;
        settings[$"Courier:Targets:{name}:ServiceUrl"] = serviceUrl;
        settings[$"Courier:Targets:{name}:Bucket"] = bucket;
        settings[$"Courier:Targets:{name}:Prefix"] = Prefix;
        settings[$"Courier:Targets:{name}:ForcePathStyle"] = "true";
        settings[$"Courier:Targets:{name}:AccessKeyEnv"] = key.Name;
        settings[$"Courier:Targets:{name}:SecretKeyEnv"] = secret.Name;
    }

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run `.ci/services start` and `source .ci/work/env` first");
}
