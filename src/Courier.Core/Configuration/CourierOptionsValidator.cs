using Courier.Core.Domain;

namespace Courier.Core.Configuration;

/// <summary>Checks <see cref="CourierOptions"/> at start-up; every problem names its configuration key.</summary>
public static class CourierOptionsValidator
{
    /// <summary>The problems, each "key: what is wrong"; empty when the options are sound.</summary>
    public static IReadOnlyList<string> Problems(CourierOptions options)
    {
        var problems = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Courier:{key} must be a positive time span (hh:mm:ss), not {value}");
            }
        }

        void AtLeast(int value, int min, string key)
        {
            if (value < min)
            {
                problems.Add($"Courier:{key} must be at least {min}, not {value}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SourceRoot))
        {
            problems.Add("Courier:SourceRoot must not be empty");
        }
        else if (!Directory.Exists(options.SourceRoot))
        {
            problems.Add($"Courier:SourceRoot '{Names.Printable(options.SourceRoot)}' is not a directory");
        }

        var provider = options.Store.Provider?.ToLowerInvariant();
        if (provider is not ("sqlite" or "postgres" or "postgresql"))
        {
            problems.Add($"Courier:Store:Provider '{options.Store.Provider}' must be \"sqlite\" or \"postgres\"");
        }

        if (provider is "postgres" or "postgresql" && string.IsNullOrWhiteSpace(options.Store.ConnectionString))
        {
            problems.Add("Courier:Store:ConnectionString is required for the postgres store");
        }

        Positive(options.Store.AttemptRetention, "Store:AttemptRetention");
        Positive(options.Store.BusyTimeout, "Store:BusyTimeout");
        Positive(options.Scan.Interval, "Scan:Interval");
        Positive(options.Scan.LeaseTimeout, "Scan:LeaseTimeout");
        AtLeast(options.Scan.BatchSize, 1, "Scan:BatchSize");
        Positive(options.Retry.FirstDelay, "Retry:FirstDelay");
        Positive(options.Retry.MaxDelay, "Retry:MaxDelay");
        if (options.Retry.MaxDelay < options.Retry.FirstDelay)
        {
            problems.Add($"Courier:Retry:MaxDelay ({options.Retry.MaxDelay}) must not be shorter than Courier:Retry:FirstDelay ({options.Retry.FirstDelay})");
        }

        AtLeast(options.Retry.MaxAttempts, 1, "Retry:MaxAttempts");
        AtLeast(options.Retry.QuickRetries, 0, "Retry:QuickRetries");
        if (options.Retry.QuickDelay < TimeSpan.Zero)
        {
            problems.Add("Courier:Retry:QuickDelay must not be negative");
        }

        AtLeast(options.Distribution.MaxConcurrency, 1, "Distribution:MaxConcurrency");
        AtLeast(options.Distribution.MaxRenditions, 1, "Distribution:MaxRenditions");
        Positive(options.Distribution.StallTimeout, "Distribution:StallTimeout");
        Positive(options.Distribution.DeadlineThreshold, "Distribution:DeadlineThreshold");
        AtLeast(options.Circuit.FailureThreshold, 1, "Circuit:FailureThreshold");
        Positive(options.Circuit.BreakDuration, "Circuit:BreakDuration");
        return problems;
    }
}
