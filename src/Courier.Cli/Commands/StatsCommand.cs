using System.CommandLine;
using System.Globalization;
using Courier.Cli.Output;
using Courier.Core.Domain;
using Spectre.Console;
using Courier.Core.Reports;
using Courier.Core.Statistics;

namespace Courier.Cli.Commands;

/// <summary><c>courier stats</c>: how well distribution performs.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var json = CommonOptions.Json("the statistics");
        var command = new Command("stats", "Show how well distribution performs: success rates of synchronous and asynchronous attempts, per target and region, deliveries by state, time from submit to distributed (p50, p95, max), and per target the time from an ingest's start to its first rendition and to all renditions available.")
        {
            json,
        };
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose, result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, bool json)
    {
        await using var host = await CliHost.OpenAsync(config, verbose, CancellationToken.None).ConfigureAwait(false);
        var stats = await host.Get<DeliveryLedger>().GetStatsAsync(CancellationToken.None).ConfigureAwait(false);
        if (json)
        {
            Terminal.Json(stats);
            return ExitCodes.Ok;
        }

        var terminal = Terminal.Create();
        var modes = terminal.Table("attempts", "total", "succeeded", "failed", "success rate");
        AddMode(modes, AttemptModes.Sync, stats.Sync);
        AddMode(modes, AttemptModes.Async, stats.Async);
        AddMode(modes, AttemptModes.Manual, stats.Manual);
        terminal.Write(modes);

        var d = stats.Deliveries;
        terminal.Line($"deliveries: {d.Delivered} delivered, {d.InFlight} in flight, {d.Queued} queued, {d.Dead} dead{(d.Scheduled > 0 ? $", {d.Scheduled} scheduled" : string.Empty)}");
        var t = stats.TimeToDistributedSeconds;
        terminal.Line($"time to distributed (over {t.Count} video versions): p50 {Format.Seconds(t.P50)}, p95 {Format.Seconds(t.P95)}, max {Format.Seconds(t.Max)}");
        terminal.Line();

        var targets = terminal.Table("target", "region", "kind", "sync rate", "async rate", "delivered", "queued", "dead", "pushed", "health", "last error");
        foreach (var target in stats.Targets)
        {
            targets.AddRow(
                Terminal.Cell(target.Name),
                Terminal.Cell(target.Region),
                Terminal.Cell(target.Kind),
                Terminal.Cell(Format.Rate(target.Sync.SuccessRate)),
                Terminal.Cell(Format.Rate(target.Async.SuccessRate)),
                Terminal.Cell(Count(target.Deliveries.Delivered)),
                Terminal.Cell(Count(target.Deliveries.Queued)),
                Terminal.Cell(Count(target.Deliveries.Dead)),
                Terminal.Cell(Format.Bytes(target.BytesPushed)),
                Terminal.State(target.Down ? "down" : "up"),
                Terminal.Cell(target.LastError));
        }

        terminal.Write(targets);
        var regions = terminal.Table("region", "sync rate", "async rate", "delivered", "queued", "dead");
        foreach (var region in stats.Regions)
        {
            regions.AddRow(
                Terminal.Cell(region.Region),
                Terminal.Cell(Format.Rate(region.Sync.SuccessRate)),
                Terminal.Cell(Format.Rate(region.Async.SuccessRate)),
                Terminal.Cell(Count(region.Deliveries.Delivered)),
                Terminal.Cell(Count(region.Deliveries.Queued)),
                Terminal.Cell(Count(region.Deliveries.Dead)));
        }

        terminal.Write(regions);
        if (stats.Targets.Any(t => t.Ingest is not null))
        {
            var ingest = terminal.Table("ingest to", "ingests", "first rendition p50", "p95", "all renditions p50", "p95");
            foreach (var target in stats.Targets.Where(t => t.Ingest is not null))
            {
                var (first, all) = (target.Ingest!.FirstRenditionSeconds, target.Ingest.AllRenditionsSeconds);
                ingest.AddRow(
                    Terminal.Cell(target.Name),
                    Terminal.Cell(Count(first.Count)),
                    Terminal.Cell(Format.Seconds(first.P50)),
                    Terminal.Cell(Format.Seconds(first.P95)),
                    Terminal.Cell(Format.Seconds(all.P50)),
                    Terminal.Cell(Format.Seconds(all.P95)));
            }

            terminal.Write(ingest);
        }

        return ExitCodes.Ok;
    }

    private static void AddMode(Spectre.Console.Table table, string name, ModeStats mode) =>
        table.AddRow(Terminal.Cell(name), Terminal.Cell(Count(mode.Attempts)), Terminal.Cell(Count(mode.Succeeded)), Terminal.Cell(Count(mode.Failed)), Terminal.Cell(Format.Rate(mode.SuccessRate)));

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
