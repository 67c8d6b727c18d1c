using System.Security.Cryptography;
using System.Text;
using Courier.Core.Configuration;
using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Server.Webhooks;

/// <summary>One entry of <c>Courier:Webhooks</c>: where to post events, the HMAC secret, and which events.</summary>
public sealed class WebhookOptions : IValidatableOptions
{
    /// <summary>The events a webhook gets when it names none.</summary>
    public static readonly IReadOnlyList<string> DefaultEvents = [EventTypes.VideoDistributed, EventTypes.VideoRemoved, EventTypes.VideoFailed, EventTypes.DeliveryDead];

    /// <summary>Every event a webhook may ask for.</summary>
    public static readonly IReadOnlyList<string> KnownEvents = [EventTypes.VideoDistributed, EventTypes.VideoRemoved, EventTypes.VideoFailed, EventTypes.DeliveryDead, EventTypes.DeadlineMissed, EventTypes.VideoAvailable];

    /// <summary>
    /// The webhook's name: its progress in the store is kept under it. <value>The default is derived from the URL, so it
    /// stays the same while the URL does.</value>
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The absolute http(s) URL events are posted to.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The HMAC-SHA256 key of the <c>Courier-Signature</c> header. Never logged or shown.</summary>
    public string? Secret { get; set; }

    /// <summary>The events to post. <value>The default is video.distributed, video.removed, video.failed and delivery.dead.</value></summary>
    public List<string> Events { get; set; } = [];

    /// <summary>The name the store keeps this webhook's progress under.</summary>
    public string ConsumerName => "webhook:" + (string.IsNullOrWhiteSpace(Name)
        ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Url)))[..12]
        : Name);

    /// <summary>Whether this webhook wants events of <paramref name="type"/>.</summary>
    public bool Wants(string type) => (Events.Count == 0 ? DefaultEvents : Events).Contains(type, StringComparer.Ordinal);

    /// <summary>The problems of one webhook, keyed under its entry (<c>Courier:Webhooks:0</c>).</summary>
    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new($"{section}:Url", $"{section}:Url must be an absolute http(s) URL");
        }

        if (string.IsNullOrEmpty(Secret))
        {
            yield return new($"{section}:Secret", $"{section}:Secret is required: receivers check Courier-Signature with it");
        }

        if (Name is { Length: > 0 } name && !Names.IsValid(name))
        {
            yield return new($"{section}:Name", $"{section}:Name '{Names.Printable(name)}' must be 1-128 of A-Z a-z 0-9 . _ -");
        }

        foreach (var unknown in Events.Where(e => !KnownEvents.Contains(e, StringComparer.Ordinal)))
        {
            yield return new($"{section}:Events", $"{section}:Events: '{Names.Printable(unknown)}' is not an event (one of {string.Join(", ", KnownEvents)})");
        }
    }
}

/// <summary>The <c>Courier:Notify</c> section: how the event outbox is delivered to webhooks.</summary>
public sealed class NotifyOptions : IValidatableOptions
{
    /// <summary>How often the outbox is read. <value>The default is 1 second.</value></summary>
    public TimeSpan PollInterval { get; set; } = ServerDefaults.NotifyPollInterval;

    /// <summary>The delay before the first retry of a failed call; doubling, jittered. <value>The default is 5 seconds.</value></summary>
    public TimeSpan FirstRetryDelay { get; set; } = ServerDefaults.NotifyFirstRetryDelay;

    /// <summary>The cap on the retry delay. A webhook is retried forever, never skipped. <value>The default is 10 minutes.</value></summary>
    public TimeSpan MaxRetryDelay { get; set; } = ServerDefaults.NotifyMaxRetryDelay;

    /// <summary>How long one call may take. <value>The default is 10 seconds.</value></summary>
    public TimeSpan Timeout { get; set; } = ServerDefaults.NotifyTimeout;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (PollInterval <= TimeSpan.Zero)
        {
            yield return new($"{section}:PollInterval", $"{section}:PollInterval must be a positive time span");
        }

        if (FirstRetryDelay <= TimeSpan.Zero)
        {
            yield return new($"{section}:FirstRetryDelay", $"{section}:FirstRetryDelay must be a positive time span");
        }

        if (MaxRetryDelay < FirstRetryDelay)
        {
            yield return new($"{section}:MaxRetryDelay", $"{section}:MaxRetryDelay must not be shorter than {section}:FirstRetryDelay");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return new($"{section}:Timeout", $"{section}:Timeout must be a positive time span");
        }
    }
}
