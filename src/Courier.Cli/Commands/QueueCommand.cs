using System.CommandLine;
using System.Globalization;
using Courier.Cli.Output;
using Spectre.Console;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;

namespace Courier.Cli.Commands;

/// <summary><c>courier queue</c>: the failure queue and the dead letters.</summary>
internal static class QueueCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var state = new Option<string?>("--state")
        {
            Description = "Only deliveries in this state: queued (the failure queue, by due time) or dead (given up on). Default: both.",
            HelpName = "queued|dead",
        };
        state.AcceptOnlyFromAmong(DeliveryStates.Queued, DeliveryStates.Dead);
        var target = new Option<string?>("--target", "-t") { Description = "Only deliveries to this target.", HelpName = "NAME" };
        var limit = new Option<int>("--limit")
        {
            Description = "The most deliveries listed (the total counts all).",
            HelpName = "N",
            DefaultValueFactory = _ => 100,
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be between 1 and 10000");
            }
        });
        var json = CommonOptions.Json("the queue ({ total, items })");
        var command = new Command("queue", "List the deliveries waiting in the failure queue (queued) and the dead letters (dead): id, video, rendition, target, state, attempts, next attempt, last error.")
        {
            state,
            target,
            limit,
            json,
        };
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose, result.GetValue(state), result.GetValue(target), result.GetValue(limit), result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string? state, string? target, int limit, bool json)
    {
        await using var host = await CliHost.OpenAsync(config, verbose, CancellationToken.None).ConfigureAwait(false);
        DeliveryState? filter = DeliveryStates.TryParse(state, out var parsed) ? parsed : null;
        var page = await host.Get<DeliveryLedger>().GetQueueAsync(new QueueQuery(filter, target, null, 0, limit), CancellationToken.None).ConfigureAwait(false);
        if (json)
        {
            Terminal.Json(page);
            return ExitCodes.Ok;
        }

        var terminal = Terminal.Create();
        var now = TimeProvider.System.GetUtcNow();
        var table = terminal.Table("id", "video", "rendition", "target", "state", "attempts", "next attempt", "last error");
        foreach (var item in page.Items)
        {
            table.AddRow(
                Terminal.Cell(item.Id.ToString()),
                Terminal.Cell(item.Operation == DeliveryOperation.Remove ? $"{item.VideoId} v{item.Version} (remove)" : $"{item.VideoId} v{item.Version}"),
                Terminal.Cell(item.Rendition),
                Terminal.Cell(item.Target),
                Terminal.State(Format.State(item.State)),
                Terminal.Cell(item.Attempts.ToString(CultureInfo.InvariantCulture)),
                Terminal.Cell(item.State == DeliveryState.Queued ? Format.When(item.NextAttemptAt, now) : null),
                Terminal.Cell(item.LastError));
        }

        if (page.Items.Count > 0)
        {
            terminal.Write(table);
        }

        var what = filter?.Name() ?? "queued or dead";
        terminal.Line(page.Items.Count < page.Total
            ? $"total: {page.Total} {what} (showing {page.Items.Count}; use --limit for more)"
            : $"total: {page.Total} {what}");
        return ExitCodes.Ok;
    }
}
