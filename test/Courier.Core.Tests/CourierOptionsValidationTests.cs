using Courier.Core.Configuration;

namespace Courier.Core.Tests;

public sealed class CourierOptionsValidationTests
{
    [Fact]
    public void Defaults_are_sound()
    {
        new CourierOptions().Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Each_problem_names_its_configuration_key()
    {
        var options = new CourierOptions
        {
            SourceRoot = "/does/not/exist",
            Store = { Provider = "mysql", BusyTimeout = TimeSpan.Zero },
            Scan = { Interval = TimeSpan.FromSeconds(-5), BatchSize = 0 },
            Retry = { FirstDelay = TimeSpan.FromMinutes(10), MaxDelay = TimeSpan.FromMinutes(1), MaxAttempts = 0 },
        };

        var problems = options.Validate().Select(p => p.Message).ToList();

        problems.ShouldContain(p => p.StartsWith("Courier:SourceRoot"));
        problems.ShouldContain(p => p.StartsWith("Courier:Store:Provider 'mysql'"));
        problems.ShouldContain("Courier:Scan:Interval must be a positive time span (hh:mm:ss), not -00:00:05");
        problems.ShouldContain("Courier:Scan:BatchSize must be at least 1, not 0");
        problems.ShouldContain("Courier:Store:BusyTimeout must be a positive time span (hh:mm:ss), not 00:00:00");
        problems.ShouldContain(p => p.StartsWith("Courier:Retry:MaxDelay"));
        problems.ShouldContain("Courier:Retry:MaxAttempts must be at least 1, not 0");
    }

    [Fact]
    public void Each_problem_carries_the_key_its_message_names()
    {
        var options = new CourierOptions { Scan = { BatchSize = 0 }, Circuit = { BreakDuration = TimeSpan.Zero } };

        options.Validate().Select(p => p.Key).ShouldBe(["Courier:Scan:BatchSize", "Courier:Circuit:BreakDuration"]);
        options.Validate().ShouldAllBe(p => p.Message.StartsWith(p.Key + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Postgres_needs_a_connection_string()
    {
        var options = new CourierOptions { Store = { Provider = "postgres" } };

        options.Validate().ShouldBe([new ConfigurationProblem("Courier:Store:ConnectionString", "Courier:Store:ConnectionString is required for the postgres store")]);
    }
}
