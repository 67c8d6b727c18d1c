using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Courier.Client;

/// <summary>
/// A typed client of Courier's HTTP API over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the
/// server (<c>http://127.0.0.1:5080/</c>). Register it with
/// <see cref="CourierClientServiceCollectionExtensions.AddCourierClient"/>, or construct it over your own client.
/// Error answers throw a <see cref="CourierApiException"/> (<see cref="CourierBadInputException"/>,
/// <see cref="CourierUnauthorizedException"/>, <see cref="CourierNotFoundException"/>, <see cref="CourierConflictException"/>).
/// </summary>
public sealed class CourierClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;

    public CourierClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>A client of the server at <paramref name="baseAddress"/>, sending <paramref name="apiKey"/> (if any) as the bearer token.</summary>
    public static CourierClient Create(Uri baseAddress, string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = baseAddress };
        CourierClientOptions.Authorize(http, apiKey);
        return new CourierClient(http);
    }

    /// <summary>
    /// Submits a video (<c>POST /api/videos</c>): Courier distributes it now and answers with the report. State
    /// <c>distributed</c>: every delivery delivered; <c>partial</c>/<c>failed</c>: some wait in the failure queue or are dead.
    /// </summary>
    public Task<VideoReport> SubmitAsync(VideoSubmission submission, CancellationToken cancellationToken = default) =>
        SendAsync<VideoReport>(HttpMethod.Post, "api/videos", submission, cancellationToken);

    /// <summary>
    /// Ingests a source under the server's source root (<c>POST /api/ingest</c>): the server transcodes it into the HLS
    /// ladder and distributes each rendition as it is encoded, and answers when every rendition is pushed, so the call lasts
    /// as long as the transcode (give the <see cref="HttpClient"/> a <see cref="HttpClient.Timeout"/> to match). A source that
    /// is not a video is <see cref="CourierBadInputException"/>, with nothing stored.
    /// </summary>
    public Task<IngestReport> IngestAsync(IngestSubmission ingest, CancellationToken cancellationToken = default) =>
        SendAsync<IngestReport>(HttpMethod.Post, "api/ingest", ingest, cancellationToken);

    /// <summary>The report of a video as it stands (<c>GET /api/videos/{id}</c>); <see cref="CourierNotFoundException"/> when unknown.</summary>
    public Task<VideoReport> GetVideoAsync(string videoId, CancellationToken cancellationToken = default) =>
        SendAsync<VideoReport>(HttpMethod.Get, "api/videos/" + Uri.EscapeDataString(videoId), null, cancellationToken);

    /// <summary>
    /// Takes a video down (<c>DELETE /api/videos/{id}</c>) from <paramref name="targets"/> (null: every target it was sent
    /// to) and answers with the removal's report. State <c>removed</c>: gone everywhere asked; <c>partial</c>/<c>failed</c>:
    /// some removals wait in the failure queue or are dead. <see cref="CourierNotFoundException"/> when the video is unknown.
    /// </summary>
    public Task<VideoReport> RemoveAsync(string videoId, IReadOnlyList<string>? targets = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        foreach (var target in targets ?? [])
        {
            Add(query, "target", target);
        }

        return SendAsync<VideoReport>(HttpMethod.Delete, "api/videos/" + Uri.EscapeDataString(videoId) + Query(query), null, cancellationToken);
    }

    /// <summary>The failure queue and the dead letters (<c>GET /api/queue</c>), one page.</summary>
    public Task<QueuePage> GetQueueAsync(QueueFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        Add(query, "state", filter?.State);
        Add(query, "target", filter?.Target);
        Add(query, "errorKind", filter?.ErrorKind);
        Add(query, "offset", filter?.Offset?.ToString(CultureInfo.InvariantCulture));
        Add(query, "limit", filter?.Limit?.ToString(CultureInfo.InvariantCulture));
        return SendAsync<QueuePage>(HttpMethod.Get, "api/queue" + Query(query), null, cancellationToken);
    }

    /// <summary>One delivery (<c>GET /api/deliveries/{id}</c>).</summary>
    public Task<Delivery> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Get, $"api/deliveries/{deliveryId}", null, cancellationToken);

    /// <summary>Resubmits one queued or dead delivery (<c>POST /api/deliveries/{id}/retry</c>); answers it, queued and due now.</summary>
    public Task<Delivery> RetryAsync(Guid deliveryId, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Post, $"api/deliveries/{deliveryId}/retry", null, cancellationToken);

    /// <summary>Resubmits the dead deliveries, of one target and/or error kind if given (<c>POST /api/deliveries/retry</c>); answers how many.</summary>
    public async Task<int> RetryDeadAsync(string? target = null, string? errorKind = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<RequeueCount>(HttpMethod.Post, "api/deliveries/retry", new { target, errorKind }, cancellationToken).ConfigureAwait(false)).Requeued;

    /// <summary>The statistics (<c>GET /api/stats</c>).</summary>
    public Task<StatsReport> GetStatsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<StatsReport>(HttpMethod.Get, "api/stats", null, cancellationToken);

    /// <summary>Checks what the targets hold against the ledger and re-queues what is missing or wrong (<c>POST /api/reconcile</c>).</summary>
    public Task<ReconcileResult> ReconcileAsync(string? target = null, string? videoId = null, CancellationToken cancellationToken = default) =>
        SendAsync<ReconcileResult>(HttpMethod.Post, "api/reconcile", new { target, videoId }, cancellationToken);

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }

    private static string Query(List<string> query) => query.Count == 0 ? string.Empty : "?" + string.Join('&', query);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new CourierApiException($"{(int)response.StatusCode}: the answer to {method} /{path} has no body");
    }

    private static async Task<CourierApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? title = response.ReasonPhrase;
        string? detail = null;
        string? field = null;
        try
        {
            using var problem = JsonDocument.Parse(text);
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = Text(problem.RootElement, "title") ?? title;
                detail = Text(problem.RootElement, "detail");
                field = Text(problem.RootElement, "field");
            }
        }
        catch (JsonException)
        {
            detail = text.Length > 200 ? text[..200] : text;
        }

        return CourierApiException.From(response.StatusCode, title, string.IsNullOrEmpty(detail) ? null : detail, field);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record RequeueCount(int Requeued);
}

/// <summary>Where the server is and the key to send.</summary>
public sealed class CourierClientOptions
{
    /// <summary>The server, e.g. <c>http://127.0.0.1:5080/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key (<c>Courier:Api:ApiKey</c>), sent as <c>Authorization: Bearer KEY</c>; null when the server has none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one call may take (synchronous submits push every file before answering). Default 10 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    internal static void Authorize(HttpClient http, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }
}
