namespace Courier.Cli.Tests.Infrastructure;

/// <summary>Waits for a condition, bounded in time: checks it, and between checks waits a short, fixed poll interval.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Checks <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        var checks = 0;
        var maxChecks = (int)(timeout / Interval) + 1;
        while (checks++ < maxChecks)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }

            if (TimeProvider.System.GetElapsedTime(deadline) > timeout)
            {
                break;
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}{(diagnostics is null ? string.Empty : "\n" + diagnostics())}");
    }
}
