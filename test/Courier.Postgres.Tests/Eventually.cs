namespace Courier.Postgres.Tests;

/// <summary>Bounded waiting for a condition (never for time to pass).</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="every"/> until it holds; fails after <paramref name="within"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan within, string what, Func<string>? diagnostics = null, TimeSpan? every = null)
    {
        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();
        var polls = 0;
        while (!await condition())
        {
            if (clock.GetElapsedTime(started) > within || ++polls > 100_000)
            {
                throw new TimeoutException($"{what} did not happen within {within.TotalSeconds:0} s. {diagnostics?.Invoke()}");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100), clock, TestContext.Current.CancellationToken);
        }
    }
}
