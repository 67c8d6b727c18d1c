using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Reliability.Tests.Crash;

/// <summary>
/// One crash run, reproducible from its seed: <c>courier distribute</c> SIGKILLed at a chosen moment, then
/// <c>courier serve</c> SIGKILLed at another, then <c>courier serve</c> restarted until every delivery is delivered or
/// dead; a <see cref="FinalNameWatcher"/> measures every final path at both targets the whole time.
/// </summary>
internal sealed class CrashRun
{
    private static readonly string[] DistributeMoments = ["random_time", "store_created", "upload_started", "first_file_landed"];
    private static readonly string[] ServeMoments = ["random_time", "upload_started", "first_file_landed"];
    private readonly int _seed;
    private readonly Random _random;
    private readonly string _prefix;

    public CrashRun(int seed)
    {
        _seed = seed;
        _random = new Random(seed);
        _prefix = $"crash-{seed}-{Guid.NewGuid():N}";
    }

    public async Task<CrashOutcome> RunAsync(TempDirectory directory)
    {
        var outcome = new CrashOutcome { Seed = _seed };
        var media = directory.Combine("media");
        var archive = directory.Combine("targets", "archive");
        var webdav = Path.Combine(TestEnvironment.WebDavRoot, _prefix);
        var files = WriteSources(media);
        await WriteConfigAsync(directory);

        var expected = new Dictionary<string, long>();
        foreach (var (rendition, relative, source) in files)
        {
            var length = new FileInfo(source).Length;
            expected[Path.Combine(archive, "v", rendition, relative)] = length;
            expected[Path.Combine(webdav, "v", rendition, relative)] = length;
        }

        var renditionArgs = new[] { "360p=v/360p.mp4", "720p=v/720p.mp4", "1080p=v/hls-1080p/" };
        var distributeArgs = new List<string> { "distribute", "--video", "v" };
        foreach (var r in renditionArgs)
        {
            distributeArgs.Add("--rendition");
            distributeArgs.Add(r);
        }

        await using (var watcher = new FinalNameWatcher(expected))
        {
            try
            {
                // 1. distribute, killed at a chosen moment.
                outcome.DistributeMoment = DistributeMoments[_random.Next(DistributeMoments.Length)];
                using (var distribute = CourierProcess.Start(directory.Path, distributeArgs, Environment()))
                {
                    outcome.DistributeKilled = await KillAtAsync(distribute, outcome.DistributeMoment, directory, [archive, webdav], expected, 2500);
                    if (!outcome.DistributeKilled)
                    {
                        outcome.DistributeExit = (await distribute.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode;
                    }
                }

                outcome.AfterDistributeKill = await ClassifyAsync(directory, expected, files, archive, webdav);

                // 2. serve, killed at a chosen moment while it takes the work over.
                outcome.ServeMoment = ServeMoments[_random.Next(ServeMoments.Length)];
                using (var serve = CourierProcess.Start(directory.Path, ["serve"], Environment()))
                {
                    outcome.ServeKilled = await KillAtAsync(serve, outcome.ServeMoment, directory, [archive, webdav], expected, 6000);
                    if (!outcome.ServeKilled)
                    {
                        serve.Kill();
                        outcome.ServeKilled = true;
                    }
                }

                // A caller whose distribute died before its submission was stored submits again (idempotent).
                if (await ReadVideoAsync(directory) is null)
                {
                    outcome.Resubmitted = true;
                    AllFiles([archive, webdav]).ShouldBeEmpty("nothing pushed for a submission that was never stored");
                    var again = await CourierProcess.RunAsync(directory.Path, distributeArgs, Environment(), TimeSpan.FromSeconds(60));
                    again.ExitCode.ShouldBe(0, again.ToString());
                }

                // 3. serve again, until every delivery is delivered or dead.
                using (var serve = CourierProcess.Start(directory.Path, ["serve"], Environment()))
                {
                    var clock = Stopwatch.StartNew();
                    var record = await Eventually.WaitForAsync(
                        () => ReadVideoAsync(directory),
                        v => v is not null && v.Deliveries.All(d => d.State is DeliveryState.Delivered or DeliveryState.Dead),
                        TimeSpan.FromSeconds(60),
                        $"seed {_seed}: every delivery delivered or dead after restart (serve stderr: {serve.Stderr})");
                    outcome.SecondsToSettle = clock.Elapsed.TotalSeconds;
                    outcome.Deliveries = record!.Deliveries.Count;
                    outcome.Delivered = record.Deliveries.Count(d => d.State == DeliveryState.Delivered);
                    outcome.Dead = record.Deliveries.Count(d => d.State == DeliveryState.Dead);
                    outcome.DeadReasons = record.Deliveries.Where(d => d.State == DeliveryState.Dead).Select(d => $"{d.Rendition}->{d.Target}: {d.LastError}").ToList();
                    serve.Terminate();
                    await serve.WaitAsync(TimeSpan.FromSeconds(30));
                }

                var status = await CourierProcess.RunAsync(directory.Path, ["status", "v", "--json"], Environment(), TimeSpan.FromSeconds(60));
                outcome.StatusExit = status.ExitCode;
                outcome.StatusState = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("state").GetString();
                outcome.BytesMatch = expected.All(e => File.Exists(e.Key)) && files.All(f =>
                    File.ReadAllBytes(f.Source).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(archive, "v", f.Rendition, f.Relative)))
                    && File.ReadAllBytes(f.Source).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(webdav, "v", f.Rendition, f.Relative))));
                outcome.LeftoverTempFiles = Directory.EnumerateFiles(archive, "*", SearchOption.AllDirectories).Count(f => !expected.ContainsKey(f));
            }
            finally
            {
                await watcher.DisposeAsync();
                outcome.Violations = watcher.Violations.ToList();
                outcome.WatcherChecks = watcher.Checks;
                SqliteConnection.ClearAllPools();
                try
                {
                    Directory.Delete(webdav, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                }
            }
        }

        return outcome;
    }

    private List<(string Rendition, string Relative, string Source)> WriteSources(string media)
    {
        var files = new List<(string, string, string)>();
        void Write(string rendition, string relative, string path, int length)
        {
            var full = Path.Combine(media, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var bytes = new byte[length];
            _random.NextBytes(bytes);
            File.WriteAllBytes(full, bytes);
            files.Add((rendition, relative, full));
        }

        Write("360p", "360p.mp4", "v/360p.mp4", _random.Next(512, 1536) * 1024);
        Write("720p", "720p.mp4", "v/720p.mp4", _random.Next(2048, 6144) * 1024);
        for (var i = 0; i < 4; i++)
        {
            Write("1080p", $"seg_{i:000}.ts", $"v/hls-1080p/seg_{i:000}.ts", _random.Next(256, 1024) * 1024);
        }

        var playlist = Path.Combine(media, "v/hls-1080p/index.m3u8");
        File.WriteAllText(playlist, "#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + string.Concat(Enumerable.Range(0, 4).Select(i => $"#EXTINF:4,\nseg_{i:000}.ts\n")) + "#EXT-X-ENDLIST\n");
        files.Add(("1080p", "index.m3u8", playlist));
        return files;
    }

    private async Task WriteConfigAsync(TempDirectory directory)
    {
        var config = new
        {
            Courier = new
            {
                SourceRoot = "./media",
                Store = new { Provider = "sqlite", ConnectionString = "Data Source=courier.db" },
                Retry = new { MaxAttempts = 10 },
                Targets = new Dictionary<string, object>
                {
                    ["archive"] = new { Kind = "filesystem", Region = "local", Root = "./targets/archive" },
                    ["cdn"] = new { Kind = "http", Region = "north", BaseUrl = new Uri(TestEnvironment.WebDavUrl, _prefix + "/").AbsoluteUri },
                },
            },
        };
        await File.WriteAllTextAsync(directory.Combine("courier.json"), JsonSerializer.Serialize(config), Ct);
    }

    private static Dictionary<string, string> Environment() => new()
    {
        ["Courier__Scan__Interval"] = "00:00:01",
        ["Courier__Scan__LeaseTimeout"] = "00:00:02",
        ["Courier__Retry__FirstDelay"] = "00:00:01",
        ["Courier__Retry__MaxDelay"] = "00:00:02",
        ["Courier__Api__Urls"] = $"http://127.0.0.1:{FreePort()}",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills <paramref name="process"/> at the chosen moment; false when it exited first.</summary>
    private async Task<bool> KillAtAsync(CourierProcess process, string moment, TempDirectory directory, string[] targetDirs, Dictionary<string, long> finals, int maxMs)
    {
        var baseline = AllFiles(targetDirs);
        var deadline = TimeSpan.FromMilliseconds(moment == "random_time" ? _random.Next(0, maxMs) : maxMs * 3);
        var db = directory.Combine("courier.db");
        var clock = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            var fire = moment switch
            {
                "store_created" => File.Exists(db),
                "upload_started" => AllFiles(targetDirs).Except(baseline).Any(),
                "first_file_landed" => finals.Keys.Any(f => !baseline.Contains(f) && File.Exists(f)),
                _ => false,
            };
            if (fire || clock.Elapsed >= deadline)
            {
                process.Kill();
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1), Ct); // sampling period of the trigger
        }

        return false;
    }

    private static HashSet<string> AllFiles(string[] dirs) =>
        dirs.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)).ToHashSet();

    private static async Task<string> ClassifyAsync(TempDirectory directory, Dictionary<string, long> finals, List<(string Rendition, string Relative, string Source)> files, string archive, string webdav)
    {
        var video = await ReadVideoAsync(directory);
        if (video is null)
        {
            return "before_submit_committed";
        }

        var uploadedNotRecorded = video.Deliveries.Any(d => d.State == DeliveryState.InFlight
            && files.Where(f => f.Rendition == d.Rendition).All(f => File.Exists(Path.Combine(d.Target == "archive" ? archive : webdav, "v", f.Rendition, f.Relative))));
        if (uploadedNotRecorded)
        {
            return "between_upload_and_outcome";
        }

        if (video.Deliveries.Any(d => d.State == DeliveryState.InFlight))
        {
            return finals.Keys.Any(File.Exists) || Directory.Exists(archive) ? "mid_upload" : "submitted_before_upload";
        }

        return "after_outcomes";
    }

    private static async Task<VideoRecord?> ReadVideoAsync(TempDirectory directory)
    {
        if (!File.Exists(directory.Combine("courier.db")))
        {
            return null;
        }

        var configuration = CourierConfiguration.Load(directory.Combine("courier.json"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCourier(configuration);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IDeliveryStore>();
        try
        {
            return await store.GetVideoAsync("v", Ct);
        }
        catch (SqliteException e) when (e.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase))
        {
            return null; // the schema is not there yet: the killed process had not migrated
        }
    }
}
