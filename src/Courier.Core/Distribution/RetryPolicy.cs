using Courier.Core.Configuration;
using Courier.Core.Domain;

namespace Courier.Core.Distribution;

/// <summary>
/// The failure queue's backoff: the n-th failed attempt waits <c>FirstDelay × 2^(n-1)</c>, jittered by ±20 %, capped at
/// <c>MaxDelay</c>, and never less than a target's <c>Retry-After</c> (itself capped at <c>MaxDelay</c>, so a target
/// cannot park a delivery for years). A permanent failure, or the <c>MaxAttempts</c>-th failure, is dead.
/// </summary>
/// <remarks>
/// Progress is not failure: a transient failure of an attempt that verified at least one file at the target that no earlier
/// attempt of the delivery had verified (and recorded) does not count against <c>MaxAttempts</c>, and the delivery is due
/// again after the first delay. <c>MaxAttempts</c> is the budget of a target that gets nowhere. Nothing loops for ever:
/// each such attempt records a file the delivery had not recorded before, so a rendition of n files gets at most n
/// attempts with progress besides its <c>MaxAttempts</c> without.
/// </remarks>
public sealed class RetryPolicy
{
    private const double Jitter = 0.2;
    private readonly RetryOptions _options;
    private readonly Func<double> _random;

    /// <param name="options">The retry options.</param>
    /// <param name="random">Uniform numbers in [0, 1) for the jitter; the default is <see cref="Random.Shared"/>.</param>
    public RetryPolicy(RetryOptions options, Func<double>? random = null)
    {
        _options = options;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The options this policy follows.</summary>
    public RetryOptions Options => _options;

    /// <summary>The un-jittered delay after the <paramref name="failedAttempts"/>-th failed attempt (1-based).</summary>
    public TimeSpan BaseDelay(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 62);
        var ticks = _options.FirstDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= _options.MaxDelay.Ticks ? _options.MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The jittered delay after the <paramref name="failedAttempts"/>-th failed attempt, honouring <paramref name="retryAfter"/>.</summary>
    public TimeSpan Delay(int failedAttempts, TimeSpan? retryAfter = null)
    {
        var baseDelay = BaseDelay(failedAttempts);
        var factor = 1 - Jitter + (2 * Jitter * _random());
        var jittered = TimeSpan.FromTicks(Math.Min((long)(baseDelay.Ticks * factor), _options.MaxDelay.Ticks));
        return retryAfter is { } asked && asked > jittered ? Cap(asked) : jittered;
    }

    /// <summary>Whether <paramref name="retryAfter"/> asks for longer than <c>MaxDelay</c>, so the policy waits less.</summary>
    public bool ExceedsCap(TimeSpan? retryAfter) => retryAfter > _options.MaxDelay;

    private TimeSpan Cap(TimeSpan retryAfter) => retryAfter > _options.MaxDelay ? _options.MaxDelay : retryAfter;

    /// <summary>
    /// What becomes of a delivery after a failed attempt that brought its count to <paramref name="attempts"/>.
    /// <paramref name="madeProgress"/>: the attempt verified files no earlier attempt had (see the remarks): a transient
    /// failure then does not count as an attempt.
    /// </summary>
    public RetryDecision Decide(int attempts, Failure failure, DateTimeOffset now, bool madeProgress = false)
    {
        if (!failure.IsTransient)
        {
            return new RetryDecision(DeliveryState.Dead, null, failure.Message);
        }

        if (madeProgress)
        {
            return new RetryDecision(DeliveryState.Queued, now + Delay(1, failure.RetryAfter), failure.Message, CountsAsAttempt: false);
        }

        if (attempts >= _options.MaxAttempts)
        {
            return new RetryDecision(DeliveryState.Dead, null, $"gave up after {attempts} attempts: {failure.Message}");
        }

        return new RetryDecision(DeliveryState.Queued, now + Delay(attempts, failure.RetryAfter), failure.Message);
    }

    /// <summary>The jittered wait before quick in-process retry number <paramref name="retry"/> (1-based).</summary>
    public TimeSpan QuickDelay(int retry)
    {
        var baseTicks = _options.QuickDelay.Ticks * Math.Pow(2, Math.Clamp(retry - 1, 0, 10));
        return TimeSpan.FromTicks((long)(baseTicks * (0.5 + _random())));
    }
}

/// <summary>
/// The state a failed delivery moves to, when it is due again, the reason shown, and whether the attempt counts against
/// <c>MaxAttempts</c> (not when it made progress).
/// </summary>
public readonly record struct RetryDecision(DeliveryState State, DateTimeOffset? NextAttemptAt, string Reason, bool CountsAsAttempt = true);
