namespace Courier.Server.Webhooks;

/// <summary>
/// Where an event consumer stands, as <c>/healthz</c> and <c>GET /api/webhooks</c> show it.
/// <see cref="Stuck"/> is true after several failed calls in a row: the receiver needs a look (events wait, none is lost).
/// </summary>
public sealed record ConsumerStatus(
    string Name,
    long Position,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    bool Stuck,
    bool HeldByOtherNode,
    DateTimeOffset? LastDeliveredAt);
