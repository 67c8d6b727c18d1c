using System.CommandLine;
using System.CommandLine.Help;
using Courier.Cli.Commands;

namespace Courier.Cli;

/// <summary>The <c>courier</c> command line: verbs, parsing, and the exit code of a line that does not parse (2).</summary>
internal static class CourierCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("courier: pushes transcoded video renditions to every distribution target (filesystem, HTTP/WebDAV, S3), queues what fails for retry, and reports.")
        {
            ServeCommand.Create(),
            DistributeCommand.Create(),
            IngestCommand.Create(),
            StatusCommand.Create(),
            RemoveCommand.Create(),
            QueueCommand.Create(),
            RetryCommand.Create(),
            ReconcileCommand.Create(),
            StatsCommand.Create(),
            SampleCommand.Create(),
            InitCommand.Create(),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Create();
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpAction)
        {
            var verb = result.CommandResult.Command is RootCommand ? "courier" : $"courier {result.CommandResult.Command.Name}";
            var errors = string.Join("; ", result.Errors
                .OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1)
                .Select(e => e.Message.TrimEnd('.')));
            return Failures.Report(ExitCodes.BadInput, $"{errors} (see '{verb} --help')");
        }

        // Signals are handled where they matter: `distribute` releases its work, `serve`'s host stops cleanly.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        return await result.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
