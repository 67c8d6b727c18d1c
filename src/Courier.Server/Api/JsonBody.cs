using System.Text.Json;
using Courier.Core.Reports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Courier.Server.Api;

/// <summary>
/// Reads a request body strictly: at most <c>Api:MaxBodyBytes</c>, JSON of exactly the documented shape (no unknown
/// fields, no wrong types, no trailing data, limited depth). A body that is not is refused whole, naming the field.
/// </summary>
internal static class JsonBody
{
    /// <summary>The body as <typeparamref name="T"/>, or the problem to answer. An empty body is <paramref name="empty"/> when given.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, long limit, T? empty, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        byte[] bytes;
        try
        {
            bytes = await ReadLimitedAsync(request.Body, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(limit));
        }

        if (bytes is null)
        {
            return (null, Problems.TooLarge(limit));
        }

        if (bytes.Length == 0 || bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return empty is not null ? (empty, null) : (null, Problems.BadInput("$", "a JSON object is required as the request body"));
        }

        if (request.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.BadInput("$", $"the request body must be application/json, not {contentType}"));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, CourierJson.Options);
            return value is null ? (null, Problems.BadInput("$", "a JSON object is required as the request body")) : (value, null);
        }
        catch (JsonException e)
        {
            var field = Field(e.Path);
            return (null, Problems.BadInput(field, $"{(field == "$" ? "the body" : field)}: {Reason(e)}"));
        }
    }

    /// <summary>A JSON path (<c>$.renditions[1].path</c>) as the field name the API uses (<c>renditions[1].path</c>).</summary>
    internal static string Field(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "$";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        field = field.Replace("['", ".", StringComparison.Ordinal).Replace("']", string.Empty, StringComparison.Ordinal).TrimStart('.');
        return field.Length == 0 ? "$" : field;
    }

    private static string Reason(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "is not a known field of this request (see docs/operations.md)";
        }

        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return "the JSON is nested too deeply";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "has the wrong type";
        }

        return $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer.</summary>
    private static async Task<byte[]> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null!;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
