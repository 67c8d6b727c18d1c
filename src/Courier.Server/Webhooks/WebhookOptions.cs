using System.Security.Cryptography;
using System.Text;
using Courier.Core.Storage;

namespace Courier.Server.Webhooks;

/// <summary>One entry of <c>Courier:Webhooks</c>: where to post events, the HMAC secret, and which events.</summary>
public sealed class WebhookOptions
{
    /// <summary>The events a webhook gets when it names none.</summary>
    public static readonly IReadOnlyList<string> DefaultEvents = [EventTypes.VideoDistributed, EventTypes.VideoFailed, EventTypes.DeliveryDead];

    /// <summary>Every event a webhook may ask for.</summary>
    public static readonly IReadOnlyList<string> KnownEvents = [EventTypes.VideoDistributed, EventTypes.VideoFailed, EventTypes.DeliveryDead, EventTypes.DeadlineMissed];

    /// <summary>
    /// The webhook's name: its progress in the store is kept under it. <value>The default is derived from the URL, so it
    /// stays the same while the URL does.</value>
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The absolute http(s) URL events are posted to.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The HMAC-SHA256 key of the <c>Courier-Signature</c> header. Never logged or shown.</summary>
    public string? Secret { get; set; }

    /// <summary>The events to post. <value>The default is video.distributed, video.failed and delivery.dead.</value></summary>
    public List<string> Events { get; set; } = [];

    /// <summary>The name the store keeps this webhook's progress under.</summary>
    public string ConsumerName => "webhook:" + (string.IsNullOrWhiteSpace(Name)
        ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Url)))[..12]
        : Name);

    /// <summary>Whether this webhook wants events of <paramref name="type"/>.</summary>
    public bool Wants(string type) => (Events.Count == 0 ? DefaultEvents : Events).Contains(type, StringComparer.Ordinal);
}

/// <summary>The <c>Courier:Notify</c> section: how the event outbox is delivered to webhooks.</summary>
public sealed class NotifyOptions
{
    /// <summary>How often the outbox is read. <value>The default is 1 second.</value></summary>
    public TimeSpan PollInterval { get; set; } = ServerDefaults.NotifyPollInterval;

    /// <summary>The delay before the first retry of a failed call; doubling, jittered. <value>The default is 5 seconds.</value></summary>
    public TimeSpan FirstRetryDelay { get; set; } = ServerDefaults.NotifyFirstRetryDelay;

    /// <summary>The cap on the retry delay. A webhook is retried forever, never skipped. <value>The default is 10 minutes.</value></summary>
    public TimeSpan MaxRetryDelay { get; set; } = ServerDefaults.NotifyMaxRetryDelay;

    /// <summary>How long one call may take. <value>The default is 10 seconds.</value></summary>
    public TimeSpan Timeout { get; set; } = ServerDefaults.NotifyTimeout;
}
