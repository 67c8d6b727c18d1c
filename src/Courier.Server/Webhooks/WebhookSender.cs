using System.Net.Http.Headers;
using System.Text.Json;
using Courier.Core.Reports;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Server.Webhooks;

/// <summary>
/// Posts events to one webhook: a JSON body with the event and the video's report, signed with
/// <c>Courier-Signature: sha256=HMAC(secret, body)</c>. Any 2xx answer is success; anything else is tried again later.
/// </summary>
internal sealed class WebhookSender : IEventConsumer
{
    private readonly WebhookOptions _webhook;
    private readonly HttpClient _http;
    private readonly IDeliveryQueries _store;
    private readonly TargetRegistry _targets;

    public WebhookSender(WebhookOptions webhook, HttpClient http, IDeliveryQueries store, TargetRegistry targets)
    {
        _webhook = webhook;
        _http = http;
        _store = store;
        _targets = targets;
    }

    public string Name => _webhook.ConsumerName;

    public bool Wants(string type) => _webhook.Wants(type);

    public async Task<string?> HandleAsync(CourierEvent courierEvent, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(courierEvent, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, _webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Courier-Event", courierEvent.Type);
        request.Headers.Add("Courier-Event-Id", courierEvent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(_webhook.Secret))
        {
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(_webhook.Secret, body));
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timed out";
        }
    }

    /// <summary>The body of an event: what happened, and the video's report as it stands.</summary>
    internal async Task<byte[]> BodyAsync(CourierEvent courierEvent, CancellationToken cancellationToken)
    {
        var record = await _store.GetVideoVersionAsync(courierEvent.VideoId, courierEvent.Version, cancellationToken).ConfigureAwait(false);
        var report = record is null ? null : VideoReport.From(record, _targets);
        var delivery = courierEvent.DeliveryId is { } id ? report?.Deliveries.FirstOrDefault(d => d.Id == id) : null;
        var payload = new WebhookPayload(courierEvent.Id, courierEvent.Type, courierEvent.CreatedAt, courierEvent.VideoId, courierEvent.Version, courierEvent.DeliveryId, delivery, report);
        return JsonSerializer.SerializeToUtf8Bytes(payload, CourierJson.Options);
    }
}

/// <summary>The JSON body of a webhook call.</summary>
/// <param name="Id">The event id: increasing; a receiver may see an event twice (at-least-once) and can drop repeats by it.</param>
/// <param name="Type">video.distributed, video.removed, video.failed, delivery.dead or delivery.deadline_missed.</param>
/// <param name="CreatedAt">When it happened.</param>
/// <param name="VideoId">The video.</param>
/// <param name="Version">The video version.</param>
/// <param name="DeliveryId">The delivery, for delivery events.</param>
/// <param name="Delivery">The delivery as it stands, for delivery events.</param>
/// <param name="Video">The video's report as it stands.</param>
public sealed record WebhookPayload(
    long Id,
    string Type,
    DateTimeOffset CreatedAt,
    string VideoId,
    int Version,
    Guid? DeliveryId,
    DeliveryReport? Delivery,
    VideoReport? Video);
