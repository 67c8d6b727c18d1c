namespace Courier.Testing.Proxy;

/// <summary>The request line and headers of one HTTP/1.1 request.</summary>
internal sealed record RequestHead(string Method, string Target, string Version, List<KeyValuePair<string, string>> Headers)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The head as text: <c>PUT /path HTTP/1.1\r\nName: value\r\n…\r\n</c>.</summary>
    public string Text => $"{Method} {Target} {Version}\r\n{string.Concat(Headers.Select(h => $"{h.Key}: {h.Value}\r\n"))}\r\n";

    public static async Task<RequestHead?> ReadAsync(HttpReader reader, CancellationToken cancellationToken)
    {
        var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        while (line is { Length: 0 })
        {
            line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }

        if (line is null)
        {
            return null;
        }

        var parts = line.Split(' ');
        if (parts.Length != 3)
        {
            throw new IOException($"bad request line: {line}");
        }

        var headers = new List<KeyValuePair<string, string>>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } header)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new(header[..colon].Trim(), header[(colon + 1)..].Trim()));
            }
        }

        return new RequestHead(parts[0], parts[1], parts[2], headers);
    }
}
