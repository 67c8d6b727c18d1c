using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests;

/// <summary>
/// Courier composed as the hosts compose it (real SQLite store in a temp file, real filesystem targets in temp
/// directories), on a <see cref="FakeTimeProvider"/> so backoff and leases are tested without waiting.
/// </summary>
internal sealed class CourierHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CourierHarness(TempDirectory directory, ServiceProvider services, FakeTimeProvider time)
    {
        Directory = directory;
        _services = services;
        Time = time;
    }

    public TempDirectory Directory { get; }

    public FakeTimeProvider Time { get; }

    public string SourceRoot => Path.Combine(Directory.Path, "media");

    public IDeliveryStore Store => _services.GetRequiredService<IDeliveryStore>();

    public Distributor Distributor => _services.GetRequiredService<Distributor>();

    public RetryScanner Scanner => _services.GetRequiredService<RetryScanner>();

    public DeliveryLedger Ledger => _services.GetRequiredService<DeliveryLedger>();

    public IServiceProvider Services => _services;

    public NodeIdentity Node => _services.GetRequiredService<NodeIdentity>();

    public string TargetRoot(string target) => Path.Combine(Directory.Path, "targets", target);

    /// <summary>Starts a harness with filesystem targets <paramref name="targets"/> and extra settings (keys below <c>Courier:</c>).</summary>
    public static async Task<CourierHarness> StartAsync(string[] targets, Dictionary<string, string?>? settings = null, TempDirectory? directory = null)
    {
        directory ??= new TempDirectory();
        System.IO.Directory.CreateDirectory(Path.Combine(directory.Path, "media"));
        var values = new Dictionary<string, string?>
        {
            ["Courier:SourceRoot"] = Path.Combine(directory.Path, "media"),
            ["Courier:Store:ConnectionString"] = $"Data Source={Path.Combine(directory.Path, "courier.db")}",
            ["Courier:Retry:QuickRetries"] = "0",
        };
        foreach (var target in targets)
        {
            values[$"Courier:Targets:{target}:Kind"] = "filesystem";
            values[$"Courier:Targets:{target}:Root"] = Path.Combine(directory.Path, "targets", target);
        }

        foreach (var (key, value) in settings ?? [])
        {
            values["Courier:" + key] = value;
        }

        // An empty file of its own, so no courier.json of the working directory can leak in.
        var file = Path.Combine(directory.Path, "courier.json");
        await File.WriteAllTextAsync(file, "{}");
        var configuration = CourierConfiguration.Load(file, values);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var services = await new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<TimeProvider>(time)
            .OpenCourierAsync(configuration, CancellationToken.None);
        return new CourierHarness(directory, services, time);
    }

    public string WriteSource(string relative, string content)
    {
        var full = Path.Combine(SourceRoot, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public Task<DistributionReport> DistributeAsync(string videoId, params (string Name, string Path)[] renditions) =>
        Distributor.DistributeAsync(new SubmitRequest(videoId, renditions.Select(r => new RenditionRequest(r.Name, r.Path)).ToList()), null, CancellationToken.None);

    public async Task<VideoReport> ReportAsync(string videoId) =>
        await Ledger.GetVideoAsync(videoId, CancellationToken.None) ?? throw new InvalidOperationException($"no video {videoId}");

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }
}
