using System.Globalization;
using Courier.Cli.Commands;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Courier.Cli.Output;

/// <summary>
/// A video's rendition × target table, as <c>distribute</c> and <c>status</c> print it: rendition, target, the caller's
/// columns around the state, attempts, the next attempt and the error kind when any delivery has them; then one line per
/// delivery that is not delivered saying why, and the summary line.
/// </summary>
internal static class DeliveryTable
{
    /// <summary>A column: its header and its cell for a delivery.</summary>
    public sealed record Column(string Header, Func<DeliveryReport, IRenderable> Cell);

    public static void Write(Terminal terminal, VideoReport video, IReadOnlyList<Column> beforeState, IReadOnlyList<Column> afterState, DateTimeOffset now)
    {
        var anyQueued = video.Deliveries.Any(d => d.State is DeliveryState.Queued or DeliveryState.Scheduled);
        var anyError = video.Deliveries.Any(d => !IsDone(d.State) && d.LastError is not null);
        var columns = new List<Column> { new("rendition", d => Terminal.Cell(d.Rendition)), new("target", d => Terminal.Cell(d.Target)) };
        if (video.Deliveries.Select(d => d.Version).Distinct().Count() > 1 || video.Deliveries.Any(d => d.Operation == DeliveryOperation.Remove))
        {
            columns.Add(new("version", d => Terminal.Cell(d.Operation == DeliveryOperation.Remove ? $"v{d.Version} remove" : $"v{d.Version}")));
        }

        columns.AddRange(beforeState);
        columns.Add(new("state", d => Terminal.State(Format.State(d.State))));
        columns.AddRange(afterState);
        columns.Add(new("attempts", d => Terminal.Cell(d.Attempts.ToString(CultureInfo.InvariantCulture))));
        if (anyQueued)
        {
            columns.Add(new("next attempt", d => Terminal.Cell(d.State is DeliveryState.Queued or DeliveryState.Scheduled ? Format.When(d.NextAttemptAt, now) : null)));
        }

        if (anyError)
        {
            // The kind here, the whole message in the line below the table.
            columns.Add(new("error", d => Terminal.Cell(IsDone(d.State) ? null : d.ErrorKind ?? "error")));
        }

        var table = terminal.Table([.. columns.Select(c => c.Header)]);
        foreach (var delivery in video.Deliveries)
        {
            table.AddRow(columns.Select(c => c.Cell(delivery)));
        }

        terminal.Write(table);
        foreach (var delivery in video.Deliveries.Where(d => !IsDone(d.State)))
        {
            terminal.Line(StatusCommand.Why(delivery, now));
        }

        terminal.Line(DistributeCommand.Summary(video));
    }

    /// <summary>Nothing more will happen to it: delivered, removed, or superseded by a newer version.</summary>
    private static bool IsDone(DeliveryState state) => state is DeliveryState.Delivered or DeliveryState.Removed or DeliveryState.Superseded;
}
