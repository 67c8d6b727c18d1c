using System.Text.Json;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Testing;

/// <summary>
/// Courier's core composed and opened exactly as the CLI and server open it (<c>OpenCourierAsync</c>: this node's session
/// heartbeats while the harness lives and releases what it holds when disposed), on a temp SQLite file and a
/// temp source root, with the settings a test gives: real store, real targets. The clock is the real one (with short retry
/// delays, so the hang and stall faults meet the real stall watchdog), or a <see cref="FakeTimeProvider"/> when a test
/// wants backoff and leases without waiting.
/// </summary>
public sealed class CourierHarness : IAsyncDisposable
{
    private readonly CourierNode _services;
    private readonly TimeProvider _time;

    private CourierHarness(TempDirectory directory, CourierNode services, CapturedLogs logs, TimeProvider time)
    {
        Directory = directory;
        _services = services;
        Logs = logs;
        _time = time;
    }

    public TempDirectory Directory { get; }

    public string SourceRoot => Directory.Combine("media");

    public string DatabasePath => Directory.Combine("courier.db");

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _services;

    /// <summary>This node's session, started when the harness was.</summary>
    public NodeSession Session => _services.Session;

    public Distributor Distributor => _services.GetRequiredService<Distributor>();

    public RetryScanner Scanner => _services.GetRequiredService<RetryScanner>();

    public IDeliveryStore Store => _services.GetRequiredService<IDeliveryStore>();

    public DeliveryLedger Ledger => _services.GetRequiredService<DeliveryLedger>();

    /// <summary>The fake clock the harness was started on (<see cref="StartOnFakeClockAsync"/>).</summary>
    public FakeTimeProvider Time => _time as FakeTimeProvider ?? throw new InvalidOperationException("this harness runs on the real clock");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Settings every fault test shares: tiny retry delays, a short stall timeout, few attempts, no quick retries.</summary>
    public static Dictionary<string, string?> FastSettings() => new()
    {
        ["Courier:Retry:FirstDelay"] = "00:00:00.050",
        ["Courier:Retry:MaxDelay"] = "00:00:00.200",
        ["Courier:Retry:MaxAttempts"] = "4",
        ["Courier:Retry:QuickRetries"] = "0",
        ["Courier:Distribution:StallTimeout"] = "00:00:01",
        ["Courier:Circuit:FailureThreshold"] = "1000",
        ["Courier:Circuit:BreakDuration"] = "00:00:00.100",
        ["Courier:Scan:BatchSize"] = "100",
    };

    /// <summary><see cref="FastSettings"/> with one filesystem target, <c>archive</c>, at <c>targets/archive</c> in the harness directory.</summary>
    public static Dictionary<string, string?> FastSettingsWithArchive()
    {
        var settings = FastSettings();
        settings["Courier:Targets:archive:Kind"] = "filesystem";
        settings["Courier:Targets:archive:Root"] = "targets/archive";
        return settings;
    }

    /// <summary><see cref="FastSettings"/> with one http target, <c>cdn</c>, at <paramref name="baseUrl"/>.</summary>
    public static Dictionary<string, string?> FastSettingsWithCdn(Uri baseUrl)
    {
        var settings = FastSettings();
        settings["Courier:Targets:cdn:Kind"] = "http";
        settings["Courier:Targets:cdn:BaseUrl"] = baseUrl.AbsoluteUri;
        return settings;
    }

    /// <summary>
    /// Puts a file where the filesystem target <c>archive</c> needs the directory <paramref name="relative"/>, so its pushes
    /// there fail (transient) until <see cref="File.Delete"/> takes the returned path away.
    /// </summary>
    public async Task<string> BlockArchiveAsync(string relative)
    {
        var blocker = Directory.Combine("targets/archive", relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "a file where the target needs a directory", Ct);
        return blocker;
    }

    /// <summary>Starts Courier on the real clock with <paramref name="settings"/> (full keys: <c>Courier:Retry:MaxAttempts</c>).</summary>
    public static Task<CourierHarness> StartAsync(IDictionary<string, string?> settings) => ComposeAsync(_ => settings, TimeProvider.System);

    /// <summary>
    /// Starts Courier on a <see cref="FakeTimeProvider"/> (at 2026-11-25 10:00 UTC) with filesystem targets named
    /// <paramref name="targets"/> (under <see cref="TargetRoot"/>), no quick retries, and <paramref name="settings"/> on top.
    /// </summary>
    public static Task<CourierHarness> StartOnFakeClockAsync(string[] targets, IDictionary<string, string?>? settings = null)
    {
        IDictionary<string, string?> SettingsUnder(TempDirectory directory)
        {
            var all = new Dictionary<string, string?> { ["Courier:Retry:QuickRetries"] = "0" };
            foreach (var target in targets)
            {
                all[$"Courier:Targets:{target}:Kind"] = "filesystem";
                all[$"Courier:Targets:{target}:Root"] = directory.Combine("targets", target);
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                all[key] = value;
            }

            return all;
        }

        return ComposeAsync(SettingsUnder, new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero)));
    }

    /// <summary>Where the filesystem target <paramref name="target"/> of <see cref="StartOnFakeClockAsync"/> writes.</summary>
    public string TargetRoot(string target) => Directory.Combine("targets", target);

    private static async Task<CourierHarness> ComposeAsync(Func<TempDirectory, IDictionary<string, string?>> settingsFor, TimeProvider time)
    {
        var directory = new TempDirectory();
        System.IO.Directory.CreateDirectory(directory.Combine("media"));
        var all = new Dictionary<string, string?>
        {
            ["Courier:SourceRoot"] = directory.Combine("media"),
            ["Courier:Store:Provider"] = "sqlite",
            ["Courier:Store:ConnectionString"] = $"Data Source={directory.Combine("courier.db")}",
        };
        foreach (var (key, value) in settingsFor(directory))
        {
            all[key] = value;
        }

        // A file of its own, so no courier.json of the working directory can leak in.
        var file = directory.Combine("courier.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { Courier = new { } }), Ct);
        var configuration = CourierConfiguration.Load(file, all);
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        if (time is FakeTimeProvider)
        {
            services.AddSingleton(time);
        }

        var provider = await services.OpenCourierAsync(configuration, Ct);
        return new CourierHarness(directory, provider, logs, time);
    }

    /// <summary>Writes a source file of <paramref name="length"/> seeded random bytes under the source root; returns its relative path.</summary>
    public string WriteSource(string relative, int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(SourceFile(relative), bytes);
        return relative;
    }

    /// <summary>Writes a source file with <paramref name="content"/> under the source root; returns its full path.</summary>
    public string WriteSource(string relative, string content)
    {
        var full = SourceFile(relative);
        File.WriteAllText(full, content);
        return full;
    }

    /// <summary>An HLS package: three segments and a playlist naming them.</summary>
    public string WritePackage(string relative, int segmentLength, int seed = 2)
    {
        for (var i = 0; i < 3; i++)
        {
            WriteSource($"{relative}/seg_{i:000}.ts", segmentLength, seed + i);
        }

        File.WriteAllText(Path.Combine(SourceRoot, relative, "index.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_000.ts\n#EXTINF:2,\nseg_001.ts\n#EXTINF:2,\nseg_002.ts\n#EXT-X-ENDLIST\n");
        return relative + "/";
    }

    public Task<DistributionReport> DistributeAsync(string videoId, params (string Name, string Path)[] renditions) =>
        Distributor.DistributeAsync(new SubmitRequest(videoId, renditions.Select(r => new RenditionRequest(r.Name, r.Path)).ToList()), null, Ct);

    /// <summary>The video's report as the ledger has it now.</summary>
    public async Task<VideoReport> ReportAsync(string videoId) =>
        await Ledger.GetVideoAsync(videoId, Ct) ?? throw new InvalidOperationException($"no video {videoId}");

    /// <summary>
    /// Runs scans until every delivery of the video is delivered or dead (bounded), checking <paramref name="invariant"/>
    /// on the ledger after every scan.
    /// </summary>
    public async Task<VideoRecord> SettleAsync(string videoId, TimeSpan timeout, Action<VideoRecord>? invariant = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var scans = 0;
        while (true)
        {
            var record = await Store.GetVideoAsync(videoId, Ct) ?? throw new InvalidOperationException($"video {videoId} is not in the store");
            invariant?.Invoke(record);
            if (record.Deliveries.All(d => d.State is DeliveryState.Delivered or DeliveryState.Dead))
            {
                return record;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"video {videoId} not settled after {scans} scans in {timeout.TotalSeconds:0} s: " +
                    string.Join("; ", record.Deliveries.Select(d => $"{d.Rendition}->{d.Target} {d.State} attempts={d.Attempts} kind={d.ErrorKind} error={d.LastError} next={d.NextAttemptAt:O}")));
            }

            var result = await Scanner.RunOnceAsync(Ct);
            scans++;
            if (result.Claimed == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25), Ct); // poll interval of the bounded loop, not a wait for time
            }
        }
    }

    /// <summary>The attempts of a delivery as the SQLite ledger recorded them, oldest first: (succeeded, error kind, error).</summary>
    public async Task<IReadOnlyList<(bool Succeeded, string? Kind, string? Error)>> AttemptsAsync(Guid deliveryId)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT succeeded, error_kind, error FROM attempts WHERE delivery_id = $id ORDER BY id";
        command.Parameters.AddWithValue("$id", deliveryId.ToString());
        var attempts = new List<(bool, string?, string?)>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            attempts.Add((reader.GetInt64(0) != 0, reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return attempts;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }

    private string SourceFile(string relative)
    {
        var full = Path.Combine(SourceRoot, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }
}
