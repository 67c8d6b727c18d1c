namespace Courier.Testing;

/// <summary>
/// Bounded waiting for a condition, never for time to pass: looks at it, and between looks waits a short poll interval,
/// until it holds or the time allowed runs out (then a <see cref="TimeoutException"/> says what did not happen and what
/// was last seen). The one waiting helper of every Courier test project.
/// </summary>
public static class Eventually
{
    /// <summary>The pause between two looks, unless a caller gives its own.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The time allowed, unless a caller gives its own.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Looks at <paramref name="probe"/> until <paramref name="done"/> holds for its value, and returns that value.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null, TimeSpan? every = null, Func<string>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var within = timeout ?? DefaultTimeout;
        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();
        var polls = 0;
        while (true)
        {
            var last = await probe().ConfigureAwait(false);
            if (done(last))
            {
                return last;
            }

            if (clock.GetElapsedTime(started) > within || ++polls > 100_000)
            {
                var more = diagnostics is null ? string.Empty : " " + diagnostics();
                throw new TimeoutException($"{what}: not reached within {within.TotalSeconds:0.#} s ({polls} polls); last seen: {last}.{more}");
            }

            await Task.Delay(every ?? PollInterval, clock, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Looks at <paramref name="condition"/> until it holds.</summary>
    public static Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null, TimeSpan? every = null) =>
        WaitAsync(condition, ok => ok, what, timeout, every, diagnostics);

    /// <summary>Looks at <paramref name="probe"/> until <paramref name="done"/> holds for its value, and returns that value.</summary>
    public static Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what) =>
        WaitAsync(probe, done, what, timeout);

    /// <summary>Looks at <paramref name="condition"/> until it holds.</summary>
    public static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitAsync(() => Task.FromResult(condition()), ok => ok, what, timeout);
}
