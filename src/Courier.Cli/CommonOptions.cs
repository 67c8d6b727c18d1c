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
}
