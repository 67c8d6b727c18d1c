using System.Diagnostics;

namespace Courier.Reliability.Tests;

/// <summary>Bounded polling: waits for a condition, never for time to pass.</summary>
internal static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        var polls = 0;
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            polls++;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(20 * polls, 200)), TestContext.Current.CancellationToken);
        }
        while (clock.Elapsed < timeout);

        throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0.#} s ({polls} polls); last value: {last}");
    }

    public static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitForAsync(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
