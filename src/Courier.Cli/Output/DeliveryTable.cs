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
        var anyQueued = video.Deliveries.Any(d => d.State == DeliveryState.Queued);
        var anyError = video.Deliveries.Any(d => d.State != DeliveryState.Delivered && d.LastError is not null);
        var columns = new List<Column> { new("rendition", d => Terminal.Cell(d.Rendition)), new("target", d => Terminal.Cell(d.Target)) };
        columns.AddRange(beforeState);
        columns.Add(new("state", d => Terminal.State(Format.State(d.State))));
        columns.AddRange(afterState);
        columns.Add(new("attempts", d => Terminal.Cell(d.Attempts.ToString(CultureInfo.InvariantCulture))));
        if (anyQueued)
        {
            columns.Add(new("next attempt", d => Terminal.Cell(d.State == DeliveryState.Queued ? Format.When(d.NextAttemptAt, now) : null)));
        }

        if (anyError)
        {
            // The kind here, the whole message in the line below the table.
            columns.Add(new("error", d => Terminal.Cell(d.State == DeliveryState.Delivered ? null : d.ErrorKind ?? "error")));
        }

        var table = terminal.Table([.. columns.Select(c => c.Header)]);
        foreach (var delivery in video.Deliveries)
        {
            table.AddRow(columns.Select(c => c.Cell(delivery)));
        }

        terminal.Write(table);
        foreach (var delivery in video.Deliveries.Where(d => d.State != DeliveryState.Delivered))
        {
            terminal.Line(StatusCommand.Why(delivery, now));
        }

        terminal.Line(DistributeCommand.Summary(video));
    }
}
