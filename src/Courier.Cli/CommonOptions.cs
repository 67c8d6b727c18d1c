using System.CommandLine;

namespace Courier.Cli;

/// <summary>The options every verb takes: <c>--config FILE</c> and <c>--verbose</c>.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "The configuration file. Default: ./courier.json if it exists, else the embedded defaults (SQLite in ./courier.db, no targets). A named file that is missing is an error.",
        HelpName = "FILE",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show informational logs, and the details (stack trace) of an unexpected error.",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Verbose);
    }

    /// <summary>
    /// Adds the options to <paramref name="command"/> and makes <paramref name="run"/> its action, given the parse result,
    /// <c>--config</c>, <c>--verbose</c> and the cancellation token, behind <see cref="Failures.GuardAsync"/> (a bad input
    /// is exit 2 with one line, anything unexpected exit 1): one way for every verb to start.
    /// </summary>
    public void SetAction(Command command, Func<ParseResult, string?, bool, CancellationToken, Task<int>> run)
    {
        AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var verbose = result.GetValue(Verbose);
            return Failures.GuardAsync(verbose, () => run(result, result.GetValue(Config), verbose, cancellationToken));
        });
    }

    /// <summary>A <c>--json</c> option: print the API's JSON shape instead of tables.</summary>
    public static Option<bool> Json(string what) => new("--json")
    {
        Description = $"Print {what} as JSON, the same shape as the HTTP API, instead of tables.",
    };

    /// <summary>The required <c>--video ID</c> of the verbs that submit (distribute, ingest).</summary>
    public static Option<string> Video() => new("--video")
    {
        Description = "The video id: 1-128 of A-Z a-z 0-9 . _ - (e.g. movie-42).",
        HelpName = "ID",
        Required = true,
    };

    /// <summary>The repeatable <c>--target NAME</c> of the verbs that submit (distribute, ingest).</summary>
    public static Option<string[]> Targets() => new("--target", "-t")
    {
        Description = "A target to push to, as named under Courier:Targets. Repeat for several. Default: every enabled target.",
        HelpName = "NAME",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>The <c>--available-from TIME</c> of the verbs that submit: the licence window's start.</summary>
    public static Option<string?> AvailableFrom() => new("--available-from")
    {
        Description = "The licence window's start, ISO 8601 (2026-12-01T18:00:00Z; without an offset, UTC): until then the deliveries wait `scheduled`, and `courier serve` pushes them when it comes.",
        HelpName = "TIME",
    };

    /// <summary>The <c>--available-until TIME</c> of the verbs that submit: the licence window's end.</summary>
    public static Option<string?> AvailableUntil() => new("--available-until")
    {
        Description = "The licence window's end, ISO 8601: then `courier serve` takes the video down from its targets (as `courier remove`).",
        HelpName = "TIME",
    };

    /// <summary>A refusal of the licence window in the words of the command line (<c>--available-from</c>, not <c>availableFrom</c>), or null for another field.</summary>
    public static string? WindowMessage(Core.Domain.BadInputException e) =>
        e.Field is "availableFrom" or "availableUntil"
            ? e.Message.Replace("availableFrom", "--available-from", StringComparison.Ordinal).Replace("availableUntil", "--available-until", StringComparison.Ordinal)
            : null;
}
