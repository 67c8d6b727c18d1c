namespace Courier.Server;

/// <summary>Every default of the server's options, written once.</summary>
public static class ServerDefaults
{
    /// <summary>The largest request body accepted: 1 MiB.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>How often the gauges' snapshot of the store is refreshed.</summary>
    public static readonly TimeSpan MetricsRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often the event outbox is read for webhooks.</summary>
    public static readonly TimeSpan NotifyPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The first delay before a failed webhook call is tried again (doubling, jittered).</summary>
    public static readonly TimeSpan NotifyFirstRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The cap on a webhook's retry delay.</summary>
    public static readonly TimeSpan NotifyMaxRetryDelay = TimeSpan.FromMinutes(10);

    /// <summary>How long one webhook call may take.</summary>
    public static readonly TimeSpan NotifyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive failed calls after which a webhook is reported as stuck.</summary>
    public const int NotifyStuckAfter = 3;

    /// <summary>The most items of one queue page.</summary>
    public const int MaxQueuePage = 500;

    /// <summary>The most queue items grouped for <c>GET /api/queue/groups</c>.</summary>
    public const int MaxGroupedItems = 10_000;
}
