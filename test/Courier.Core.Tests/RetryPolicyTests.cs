using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests;

public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static RetryPolicy Policy(double random = 0.5) => new(new RetryOptions(), () => random);

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(4, 240)]
    [InlineData(7, 1920)]
    [InlineData(8, 3600)]
    [InlineData(10, 3600)]
    [InlineData(60, 3600)]
    public void Backoff_starts_at_30_seconds_doubles_and_is_capped_at_one_hour(int failedAttempts, int expectedSeconds)
    {
        Policy().BaseDelay(failedAttempts).ShouldBe(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Theory]
    [InlineData(0.0, 24)]
    [InlineData(0.5, 30)]
    [InlineData(0.999999, 36)]
    public void Jitter_spreads_the_delay_by_twenty_percent_either_way(double random, int expectedSeconds)
    {
        Policy(random).Delay(1).TotalSeconds.ShouldBe(expectedSeconds, 0.01);
    }

    [Fact]
    public void Jitter_never_exceeds_the_cap()
    {
        Policy(0.999999).Delay(20).ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Retry_after_longer_than_the_backoff_is_honoured()
    {
        Policy().Delay(1, TimeSpan.FromMinutes(5)).ShouldBe(TimeSpan.FromMinutes(5));
        Policy().Delay(1, TimeSpan.FromSeconds(1)).ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.999999)]
    public void Retry_after_longer_than_max_delay_is_capped_at_max_delay(double random)
    {
        var time = new FakeTimeProvider(Now);
        var failure = new Failure("503 Service Unavailable", "http_503", true, TimeSpan.FromSeconds(int.MaxValue));

        var decision = Policy(random).Decide(1, failure, time.GetUtcNow());

        decision.State.ShouldBe(DeliveryState.Queued);
        decision.NextAttemptAt.ShouldBe(time.GetUtcNow() + new RetryOptions().MaxDelay);
        Policy(random).Delay(8, TimeSpan.FromDays(3650)).ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Transient_failure_is_queued_with_backoff()
    {
        var decision = Policy().Decide(1, new Failure("503 Service Unavailable", "http_503", true), Now);

        decision.State.ShouldBe(DeliveryState.Queued);
        decision.NextAttemptAt.ShouldBe(Now.AddSeconds(30));
        decision.Reason.ShouldBe("503 Service Unavailable");
    }

    [Fact]
    public void Permanent_failure_is_dead_at_once_with_its_reason()
    {
        var decision = Policy().Decide(1, new Failure("403 Forbidden", "auth", false), Now);

        decision.State.ShouldBe(DeliveryState.Dead);
        decision.NextAttemptAt.ShouldBeNull();
        decision.Reason.ShouldBe("403 Forbidden");
    }

    [Fact]
    public void Tenth_transient_failure_is_dead_and_says_it_gave_up()
    {
        var policy = Policy();
        policy.Decide(9, new Failure("timed out", "timeout", true), Now).State.ShouldBe(DeliveryState.Queued);

        var decision = policy.Decide(10, new Failure("timed out", "timeout", true), Now);

        decision.State.ShouldBe(DeliveryState.Dead);
        decision.Reason.ShouldBe("gave up after 10 attempts: timed out");
    }

    [Fact]
    public void Quick_retries_are_short_and_grow()
    {
        var policy = Policy(0.5);
        policy.QuickDelay(1).ShouldBe(TimeSpan.FromMilliseconds(250));
        policy.QuickDelay(2).ShouldBe(TimeSpan.FromMilliseconds(500));
    }
}
