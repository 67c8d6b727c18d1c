using Courier.Core.Configuration;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Courier.Bench;

/// <summary>Courier as the benchmarks open it: a SQLite ledger under a run's own directory, warnings only in the log.</summary>
internal static class BenchCourier
{
    /// <summary>
    /// Opens Courier as a node with its sources under <paramref name="media"/>, its ledger in
    /// <paramref name="root"/><c>/courier.db</c>, and <paramref name="settings"/> (targets, full keys) on top.
    /// </summary>
    public static Task<CourierNode> OpenAsync(string root, string media, IDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Courier:SourceRoot"] = media,
            ["Courier:Store:ConnectionString"] = $"Data Source={Path.Combine(root, "courier.db")}",
        };
        return new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning)).OpenCourierAsync(CourierConfiguration.Load(null, all), cancellationToken);
    }
}
