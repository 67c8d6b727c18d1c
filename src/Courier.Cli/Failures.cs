using Courier.Cli.Logging;
using Courier.Core.Domain;

namespace Courier.Cli;

/// <summary>Turns what went wrong into one clear line on stderr and an exit code; never a stack trace unless asked for.</summary>
internal static class Failures
{
    /// <summary>Runs a verb's body, mapping <see cref="BadInputException"/> to exit 2 and any other failure to exit 1.</summary>
    public static async Task<int> GuardAsync(bool verbose, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            return Report(ExitCodes.BadInput, e.Message);
        }
        catch (OperationCanceledException)
        {
            return Report(ExitCodes.Failure, "interrupted");
        }
        catch (Exception e)
        {
            if (verbose)
            {
                Console.Error.WriteLine($"courier: {CompactLoggerProvider.OneLine(Describe(e))}");
                Console.Error.WriteLine(e);
                return ExitCodes.Failure;
            }

            return Report(ExitCodes.Failure, $"{Describe(e)} (run with --verbose for details)");
        }
    }

    /// <summary>Writes <c>courier: message</c> on one line to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Report(int exitCode, string message)
    {
        Console.Error.WriteLine($"courier: {CompactLoggerProvider.OneLine(message)}");
        return exitCode;
    }

    /// <summary>The message of an exception and of the exceptions inside it that say more.</summary>
    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (var current = e; current is not null && parts.Count < 3; current = current.InnerException)
        {
            var message = CompactLoggerProvider.OneLine(current.Message);
            if (message.Length > 0 && !parts.Exists(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return parts.Count == 0 ? e.GetType().Name : string.Join(": ", parts);
    }
}
