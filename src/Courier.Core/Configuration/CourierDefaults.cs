namespace Courier.Core.Configuration;

/// <summary>Every default of Courier's options, written once.</summary>
public static class CourierDefaults
{
    public const string ConfigFile = "courier.json";
    public const string SectionName = "Courier";
    public const string SourceRoot = ".";
    public const string StoreProvider = "sqlite";
    public const string SqliteConnectionString = "Data Source=courier.db";
    public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(30);
    public const int ScanBatchSize = 100;
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);
    public const int MaxAttempts = 10;
    public const int QuickRetries = 2;
    public static readonly TimeSpan QuickRetryDelay = TimeSpan.FromMilliseconds(250);
    public const int MaxConcurrency = 4;
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DeadlineThreshold = TimeSpan.FromMinutes(15);
    public const int MaxRenditions = 64;
    public const int CircuitFailureThreshold = 5;
    public static readonly TimeSpan CircuitBreakDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AttemptRetention = TimeSpan.FromDays(30);
    public static readonly TimeSpan StoreBusyTimeout = TimeSpan.FromSeconds(30);
    public const string IngestLadder = "360p,720p,1080p";
    public static readonly TimeSpan IngestSegmentDuration = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan IngestWatchInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan IngestSettleTime = TimeSpan.FromSeconds(3);
    public const string ApiUrls = "http://127.0.0.1:5080";
}
