using System.CommandLine;
using Courier.Core.Domain;

namespace Courier.Cli;

/// <summary>
/// The licence window of the verbs that submit (distribute, ingest): <c>--available-from TIME</c> and
/// <c>--available-until TIME</c>, defined once, added, read and explained in the words of the command line together.
/// </summary>
internal sealed class WindowOptions
{
    /// <summary>The licence window's start.</summary>
    public Option<string?> From { get; } = new("--available-from")
    {
        Description = "The licence window's start, ISO 8601 (2026-12-01T18:00:00Z; without an offset, UTC): until then the deliveries wait `scheduled`, and `courier serve` pushes them when it comes.",
        HelpName = "TIME",
    };

    /// <summary>The licence window's end.</summary>
    public Option<string?> Until { get; } = new("--available-until")
    {
        Description = "The licence window's end, ISO 8601: then `courier serve` takes the video down from its targets (as `courier remove`).",
        HelpName = "TIME",
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(From);
        command.Options.Add(Until);
    }

    /// <summary>The window as given (unparsed: the core parses and refuses it, naming the field).</summary>
    public (string? From, string? Until) Read(ParseResult result) => (result.GetValue(From), result.GetValue(Until));

    /// <summary>A refusal of the licence window in the words of the command line (<c>--available-from</c>, not <c>availableFrom</c>), or null for another field.</summary>
    public static string? Message(BadInputException e) =>
        e.Field is "availableFrom" or "availableUntil"
            ? e.Message.Replace("availableFrom", "--available-from", StringComparison.Ordinal).Replace("availableUntil", "--available-until", StringComparison.Ordinal)
            : null;
}
