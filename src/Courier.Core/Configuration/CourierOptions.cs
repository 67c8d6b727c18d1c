namespace Courier.Core.Configuration;

/// <summary>The <c>Courier</c> configuration section. Targets and webhooks are read by their own parts.</summary>
public sealed class CourierOptions : IValidatableOptions
{
    /// <summary>Where rendition paths are resolved; nothing outside it is ever read. <value>The default is the working directory.</value></summary>
    public string SourceRoot { get; set; } = CourierDefaults.SourceRoot;

    public StoreOptions Store { get; set; } = new();

    public ScanOptions Scan { get; set; } = new();

    public RetryOptions Retry { get; set; } = new();

    public DistributionOptions Distribution { get; set; } = new();

    public CircuitOptions Circuit { get; set; } = new();

    public IngestOptions Ingest { get; set; } = new();

    /// <summary>Every problem of the <c>Courier</c> section and its parts; none when the options are sound.</summary>
    public IEnumerable<ConfigurationProblem> Validate(string section = CourierDefaults.SectionName)
    {
        if (string.IsNullOrWhiteSpace(SourceRoot))
        {
            yield return new($"{section}:SourceRoot", $"{section}:SourceRoot must not be empty");
        }
        else if (!Directory.Exists(SourceRoot))
        {
            yield return new($"{section}:SourceRoot", $"{section}:SourceRoot '{Domain.Names.Printable(SourceRoot)}' is not a directory");
        }

        IValidatableOptions[] parts = [Store, Scan, Retry, Distribution, Circuit, Ingest];
        string[] names = ["Store", "Scan", "Retry", "Distribution", "Circuit", "Ingest"];
        for (var i = 0; i < parts.Length; i++)
        {
            foreach (var problem in parts[i].Validate($"{section}:{names[i]}"))
            {
                yield return problem;
            }
        }
    }
}

/// <summary>The <c>Courier:Store</c> section.</summary>
public sealed class StoreOptions : IValidatableOptions
{
    /// <summary><c>sqlite</c> or <c>postgres</c>. <value>The default is sqlite.</value></summary>
    public string Provider { get; set; } = CourierDefaults.StoreProvider;

    /// <summary>The provider's connection string. <value>The default is <c>Data Source=courier.db</c>.</value></summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite: how long a write waits for another process's lock (a <c>distribute</c> beside <c>serve</c>). <value>The default is 30 seconds.</value></summary>
    public TimeSpan BusyTimeout { get; set; } = CourierDefaults.StoreBusyTimeout;

    /// <summary>PostgreSQL: the schema Courier's tables live in (checked by the PostgreSQL store's options). <value>The default is <c>public</c>.</value></summary>
    public string? Schema { get; set; }

    /// <summary>How long attempts are kept before they are rolled up into totals. <value>The default is 30 days.</value></summary>
    public TimeSpan AttemptRetention { get; set; } = CourierDefaults.AttemptRetention;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        var provider = Provider?.ToLowerInvariant();
        if (provider is not ("sqlite" or "postgres" or "postgresql"))
        {
            yield return new($"{section}:Provider", $"{section}:Provider '{Provider}' must be \"sqlite\" or \"postgres\"");
        }

        if (provider is "postgres" or "postgresql" && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new($"{section}:ConnectionString", $"{section}:ConnectionString is required for the postgres store");
        }

        foreach (var problem in ConfigurationProblems.Positive(AttemptRetention, $"{section}:AttemptRetention")
            .Concat(ConfigurationProblems.Positive(BusyTimeout, $"{section}:BusyTimeout")))
        {
            yield return problem;
        }
    }
}

/// <summary>The <c>Courier:Scan</c> section: the asynchronous path.</summary>
public sealed class ScanOptions : IValidatableOptions
{
    /// <summary>How often the scanner looks at the failure queue. <value>The default is 30 seconds.</value></summary>
    public TimeSpan Interval { get; set; } = CourierDefaults.ScanInterval;

    /// <summary>
    /// The most deliveries one claim takes, and the stretch the scanner logs its progress by (a line every so many deliveries
    /// ended); a single pass (<c>RetryScanner.RunDueAsync</c>) claims no more. <value>The default is 100.</value>
    /// </summary>
    public int BatchSize { get; set; } = CourierDefaults.ScanBatchSize;

    /// <summary>How long after a node's last heartbeat its in-flight deliveries are taken over. <value>The default is 1 minute.</value></summary>
    public TimeSpan LeaseTimeout { get; set; } = CourierDefaults.LeaseTimeout;

    public IEnumerable<ConfigurationProblem> Validate(string section) =>
        ConfigurationProblems.Positive(Interval, $"{section}:Interval")
            .Concat(ConfigurationProblems.Positive(LeaseTimeout, $"{section}:LeaseTimeout"))
            .Concat(ConfigurationProblems.AtLeast(BatchSize, 1, $"{section}:BatchSize"));
}

/// <summary>The <c>Courier:Retry</c> section: backoff of the failure queue.</summary>
public sealed class RetryOptions : IValidatableOptions
{
    /// <summary>The delay before the first retry; each later one doubles. <value>The default is 30 seconds.</value></summary>
    public TimeSpan FirstDelay { get; set; } = CourierDefaults.FirstRetryDelay;

    /// <summary>The cap on the delay. <value>The default is 1 hour.</value></summary>
    public TimeSpan MaxDelay { get; set; } = CourierDefaults.MaxRetryDelay;

    /// <summary>Attempts before a delivery is dead. <value>The default is 10.</value></summary>
    public int MaxAttempts { get; set; } = CourierDefaults.MaxAttempts;

    /// <summary>Quick in-process retries of a transient failure inside one attempt, for blips. <value>The default is 2.</value></summary>
    public int QuickRetries { get; set; } = CourierDefaults.QuickRetries;

    /// <summary>The base delay of the quick retries (jittered, doubling). <value>The default is 250 ms.</value></summary>
    public TimeSpan QuickDelay { get; set; } = CourierDefaults.QuickRetryDelay;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        foreach (var problem in ConfigurationProblems.Positive(FirstDelay, $"{section}:FirstDelay").Concat(ConfigurationProblems.Positive(MaxDelay, $"{section}:MaxDelay")))
        {
            yield return problem;
        }

        if (MaxDelay < FirstDelay)
        {
            yield return new($"{section}:MaxDelay", $"{section}:MaxDelay ({MaxDelay}) must not be shorter than {section}:FirstDelay ({FirstDelay})");
        }

        foreach (var problem in ConfigurationProblems.AtLeast(MaxAttempts, 1, $"{section}:MaxAttempts").Concat(ConfigurationProblems.AtLeast(QuickRetries, 0, $"{section}:QuickRetries")))
        {
            yield return problem;
        }

        if (QuickDelay < TimeSpan.Zero)
        {
            yield return new($"{section}:QuickDelay", $"{section}:QuickDelay must not be negative");
        }
    }
}

/// <summary>The <c>Courier:Distribution</c> section: pushing.</summary>
public sealed class DistributionOptions : IValidatableOptions
{
    /// <summary>Deliveries pushed at once by one process. <value>The default is 4.</value></summary>
    public int MaxConcurrency { get; set; } = CourierDefaults.MaxConcurrency;

    /// <summary>A push that moves no byte for this long is cut off (transient, <c>timeout</c>). <value>The default is 60 seconds.</value></summary>
    public TimeSpan StallTimeout { get; set; } = CourierDefaults.StallTimeout;

    /// <summary>A delivery not delivered this long after submit raises <c>delivery.deadline_missed</c>. <value>The default is 15 minutes.</value></summary>
    public TimeSpan DeadlineThreshold { get; set; } = CourierDefaults.DeadlineThreshold;

    /// <summary>The most renditions in one submission. <value>The default is 64.</value></summary>
    public int MaxRenditions { get; set; } = CourierDefaults.MaxRenditions;

    public IEnumerable<ConfigurationProblem> Validate(string section) =>
        ConfigurationProblems.AtLeast(MaxConcurrency, 1, $"{section}:MaxConcurrency")
            .Concat(ConfigurationProblems.AtLeast(MaxRenditions, 1, $"{section}:MaxRenditions"))
            .Concat(ConfigurationProblems.Positive(StallTimeout, $"{section}:StallTimeout"))
            .Concat(ConfigurationProblems.Positive(DeadlineThreshold, $"{section}:DeadlineThreshold"));
}

/// <summary>The <c>Courier:Circuit</c> section: marking a failing target down.</summary>
public sealed class CircuitOptions : IValidatableOptions
{
    /// <summary>Consecutive transient failures that mark a target down. <value>The default is 5.</value></summary>
    public int FailureThreshold { get; set; } = CourierDefaults.CircuitFailureThreshold;

    /// <summary>How long a target stays marked down before it is probed (doubling while it stays down, up to the max retry delay). <value>The default is 30 seconds.</value></summary>
    public TimeSpan BreakDuration { get; set; } = CourierDefaults.CircuitBreakDuration;

    public IEnumerable<ConfigurationProblem> Validate(string section) =>
        ConfigurationProblems.AtLeast(FailureThreshold, 1, $"{section}:FailureThreshold")
            .Concat(ConfigurationProblems.Positive(BreakDuration, $"{section}:BreakDuration"));
}
