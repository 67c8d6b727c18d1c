using System.CommandLine;
using Courier.Cli.Output;
using Spectre.Console;
using Courier.Core.Domain;
using Courier.Core.Reports;

namespace Courier.Cli.Commands;

/// <summary><c>courier status ID</c>: where is video X, and why isn't it on cdn-south yet?</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var video = new Argument<string>("ID") { Description = "The video id." };
        var json = CommonOptions.Json("the video's report");
        var command = new Command("status", "Show where a video stands: its state, and per rendition × target the state, attempts, last error and next attempt. Exit code 2 when there is no such video.")
        {
            video,
            json,
        };
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose, result.GetRequiredValue(video), result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string videoId, bool json)
    {
        await using var host = await CliHost.OpenAsync(config, verbose, CancellationToken.None).ConfigureAwait(false);
        var report = Names.IsValid(videoId) ? await host.Get<DeliveryLedger>().GetVideoAsync(videoId, CancellationToken.None).ConfigureAwait(false) : null;
        if (report is null)
        {
            throw new BadInputException("ID", $"no such video '{Names.Printable(videoId)}'");
        }

        if (json)
        {
            Terminal.Json(report);
            return ExitCodes.Ok;
        }

        var terminal = Terminal.Create();
        var now = TimeProvider.System.GetUtcNow();
        var state = Format.State(report.State);
        terminal.Markup($"{Spectre.Console.Markup.Escape(report.VideoId)} v{report.Version}: [bold]{Spectre.Console.Markup.Escape(state)}[/] (submitted {Format.Utc(report.SubmittedAt)}{(report.DistributedAt is { } at ? $", distributed {Format.Utc(at)}" : string.Empty)})");
        DeliveryTable.Write(terminal, report, [new("region", d => Terminal.Cell(d.Region))], [], now);
        WriteTargets(terminal, report.Targets ?? []);
        return ExitCodes.Ok;
    }

    /// <summary>Per target, the version players get there and the version still on its way (or that it was removed).</summary>
    private static void WriteTargets(Terminal terminal, IReadOnlyList<Core.Storage.TargetVersion> targets)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var table = terminal.Table("target", "holds", "pending");
        foreach (var held in targets)
        {
            var holds = held.Removed ? "removed" : held.LiveVersion is { } live ? $"v{live}" : "nothing yet";
            table.AddRow(Terminal.Cell(held.Target), Terminal.Cell(holds), Terminal.Cell(held.PendingVersion is { } pending ? $"v{pending}" : null));
        }

        terminal.Write(table);
    }

    /// <summary>One line that answers "why isn't it there yet?".</summary>
    internal static string Why(DeliveryReport delivery, DateTimeOffset now)
    {
        var error = delivery.LastError is null ? string.Empty : $": {Logging.CompactLoggerProvider.OneLine(delivery.LastError)}";
        if (delivery.Operation == DeliveryOperation.Remove)
        {
            return delivery.State switch
            {
                DeliveryState.Queued => $"{delivery.Rendition} is not removed from {delivery.Target} yet: queued after {delivery.Attempts} attempt(s), next attempt {Format.When(delivery.NextAttemptAt, now)}{error}",
                DeliveryState.Dead => $"{delivery.Rendition} is not removed from {delivery.Target}: dead after {delivery.Attempts} attempt(s){error}; resubmit with `courier retry --delivery {delivery.Id}`",
                _ => $"{delivery.Rendition} is being removed from {delivery.Target} now",
            };
        }

        return delivery.State switch
        {
            DeliveryState.Queued => $"{delivery.Rendition} is not on {delivery.Target} yet: queued after {delivery.Attempts} attempt(s), next attempt {Format.When(delivery.NextAttemptAt, now)}{error}",
            DeliveryState.Scheduled => $"{delivery.Rendition} is not on {delivery.Target} yet: scheduled, its licence window opens {Format.When(delivery.NextAttemptAt, now)}",
            DeliveryState.Dead => $"{delivery.Rendition} is not on {delivery.Target}: dead after {delivery.Attempts} attempt(s){error}; resubmit with `courier retry --delivery {delivery.Id}`",
            _ => $"{delivery.Rendition} is being pushed to {delivery.Target} now",
        };
    }
}
