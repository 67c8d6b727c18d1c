using System.Text.Json;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Reliability.Tests;

/// <summary>
/// Courier's core composed exactly as the CLI and server compose it (<c>AddCourier</c>), on a temp SQLite file and a
/// temp source root, with the settings a test gives. Real store, real targets; the clock is the real one, with short
/// retry delays, so the hang and stall faults meet the real stall watchdog.
/// </summary>
internal sealed class CourierHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CourierHarness(TempDirectory directory, ServiceProvider services, CapturedLogs logs)
    {
        Directory = directory;
        _services = services;
        Logs = logs;
    }

    public TempDirectory Directory { get; }

    public string SourceRoot => Directory.Combine("media");

    public string DatabasePath => Directory.Combine("courier.db");

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _services;

    public Distributor Distributor => _services.GetRequiredService<Distributor>();

    public RetryScanner Scanner => _services.GetRequiredService<RetryScanner>();

    public IDeliveryStore Store => _services.GetRequiredService<IDeliveryStore>();

    public DeliveryLedger Ledger => _services.GetRequiredService<DeliveryLedger>();

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

    public static async Task<CourierHarness> StartAsync(IDictionary<string, string?> settings)
    {
        var directory = new TempDirectory();
        System.IO.Directory.CreateDirectory(directory.Combine("media"));
        var all = new Dictionary<string, string?>(settings)
        {
            ["Courier:SourceRoot"] = directory.Combine("media"),
            ["Courier:Store:Provider"] = "sqlite",
            ["Courier:Store:ConnectionString"] = $"Data Source={directory.Combine("courier.db")}",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var file = directory.Combine("courier.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { Courier = new { } }), Ct);
        var configuration = CourierConfiguration.Load(file, all);
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var provider = await services.OpenCourierAsync(configuration, Ct);
        return new CourierHarness(directory, provider, logs);
    }

    /// <summary>Writes a source file of <paramref name="length"/> seeded random bytes under the source root; returns its relative path.</summary>
    public string WriteSource(string relative, int length, int seed = 1)
    {
        var full = Path.Combine(SourceRoot, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(full, bytes);
        return relative;
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
}
