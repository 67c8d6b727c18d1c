using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Courier.Cli.Output;

/// <summary>
/// Standard output for people or scripts. On a terminal: colours, rounded tables, live progress. Redirected: plain text
/// with no escape codes, tables without borders, wide enough not to wrap.
/// </summary>
internal sealed class Terminal
{
    private Terminal(IAnsiConsole console, bool isInteractive)
    {
        Console = console;
        IsInteractive = isInteractive;
    }

    /// <summary>The console for standard output.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>True when standard output is a terminal a live display can draw on.</summary>
    public bool IsInteractive { get; }

    public static Terminal Create()
    {
        var redirected = System.Console.IsOutputRedirected;
        var settings = new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) };
        if (redirected)
        {
            settings.Ansi = AnsiSupport.No;
            settings.ColorSystem = ColorSystemSupport.NoColors;
            settings.Interactive = InteractionSupport.No;
        }

        var console = AnsiConsole.Create(settings);
        if (redirected)
        {
            console.Profile.Width = 240;
        }

        return new Terminal(console, !redirected && console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi);
    }

    /// <summary>A table in the house style.</summary>
    public Table Table(params string[] columns)
    {
        var table = new Table().Border(IsInteractive ? TableBorder.Rounded : TableBorder.None);
        foreach (var column in columns)
        {
            // States and counts never wrap; other columns may, so a narrow terminal still gets the whole table.
            var wraps = column is not ("state" or "attempts" or "id");
            table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))) { NoWrap = !wraps });
        }

        return table;
    }

    /// <summary>Writes plain text (never read as markup) and a line break.</summary>
    public void Line(string text = "") => Console.Write(new Text(text + "\n"));

    /// <summary>Writes markup and a line break; values in it must be escaped.</summary>
    public void Markup(string markup) => Console.MarkupLine(markup);

    public void Write(IRenderable renderable) => Console.Write(renderable);

    /// <summary>Writes <paramref name="value"/> as Courier's JSON (the API's shape and options), on one line, to standard output.</summary>
    public static void Json<T>(T value)
    {
        System.Console.Out.WriteLine(JsonSerializer.Serialize(value, CourierJson.Options));
        System.Console.Out.Flush();
    }

    /// <summary>A table cell of plain text; "-" for nothing.</summary>
    public static Text Cell(string? value) => new(string.IsNullOrEmpty(value) ? "-" : value);

    /// <summary>A table cell for a delivery or video state, coloured on a terminal.</summary>
    public static Markup State(string state) => new($"[{StateColour(state)}]{Spectre.Console.Markup.Escape(state)}[/]");

    private static string StateColour(string state) => state switch
    {
        DeliveryStates.Delivered or "distributed" or DeliveryStates.Removed => "green",
        DeliveryStates.Queued or DeliveryStates.Scheduled or "partial" or DeliveryStates.InFlight or "distributing" or "removing" => "yellow",
        DeliveryStates.Dead or "failed" => "red",
        _ => "default",
    };
}
