using System.Globalization;
using Courier.Core.Domain;
using Courier.Core.Targets;
using Microsoft.Extensions.Configuration;

namespace Courier.Targets.Http;

/// <summary>
/// Makes <c>http</c> targets. Settings under <c>Courier:Targets:NAME</c>:
/// <list type="bullet">
/// <item><c>BaseUrl</c> (required): an absolute http or https URL, without query, fragment or user info; objects go under it.</item>
/// <item><c>Upload</c>: <c>move</c> (the default: PUT to a temp name, then WebDAV MOVE onto the final URL) or <c>put</c> (one PUT to the final URL).</item>
/// <item><c>Headers</c>: extra request headers, <c>{ "Authorization": "Bearer …" }</c>.</item>
/// <item><c>HeaderEnv</c>: extra request headers whose values come from environment variables, <c>{ "Authorization": "CDN_TOKEN" }</c>.</item>
/// <item><c>Timeout</c>: the longest wait for an answer or for the next chunk of a body. The default is 30 seconds.</item>
/// <item><c>ConnectTimeout</c>: the longest wait for a connection. The default is 10 seconds.</item>
/// </list>
/// Header values are secrets: they are never logged and never appear in a message.
/// </summary>
internal sealed class HttpTargetFactory : ITargetFactory
{
    public const string KindName = "http";

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Expect", "Destination", "Overwrite", "Upgrade", "TE", "Trailer",
    };

    private readonly TimeProvider _time;

    public HttpTargetFactory(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public string Kind => KindName;

    public ITarget Create(TargetDefinition definition)
    {
        var settings = new HttpTargetSettings(
            BaseUrlOf(definition),
            UploadOf(definition),
            HeadersOf(definition),
            TimeSpanOf(definition, "Timeout", HttpTargetSettings.DefaultTimeout),
            TimeSpanOf(definition, "ConnectTimeout", HttpTargetSettings.DefaultConnectTimeout));
        return new HttpTarget(definition.Name, definition.Region, definition.Verify, settings, _time);
    }

    private static Uri BaseUrlOf(TargetDefinition definition)
    {
        var key = definition.KeyOf("BaseUrl");
        var text = definition.Section["BaseUrl"];
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new BadInputException(key, $"{key} is required: the http(s) URL the {KindName} target '{definition.Name}' puts objects under");
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new BadInputException(key, $"{key} '{Names.Printable(text)}' must be an absolute http:// or https:// URL");
        }

        if (url.UserInfo.Length > 0)
        {
            // Never echo it: the user info may hold a password.
            throw new BadInputException(key, $"{key} must not carry user info: put credentials in Headers or HeaderEnv");
        }

        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            throw new BadInputException(key, $"{key} '{Names.Printable(text)}' must not have a query or a fragment");
        }

        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    private static HttpUploadMode UploadOf(TargetDefinition definition)
    {
        var text = definition.Section["Upload"];
        if (string.IsNullOrWhiteSpace(text) || text.Equals("move", StringComparison.OrdinalIgnoreCase))
        {
            return HttpUploadMode.Move;
        }

        if (text.Equals("put", StringComparison.OrdinalIgnoreCase))
        {
            return HttpUploadMode.Put;
        }

        var key = definition.KeyOf("Upload");
        throw new BadInputException(key, $"{key} '{Names.Printable(text)}' must be \"move\" or \"put\"");
    }

    private static List<KeyValuePair<string, string>> HeadersOf(TargetDefinition definition)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in definition.Section.GetSection("Headers").GetChildren())
        {
            var key = definition.KeyOf($"Headers:{header.Key}");
            headers.Add(new(CheckHeader(key, header.Key, header.Value ?? string.Empty), header.Value ?? string.Empty));
        }

        foreach (var header in definition.Section.GetSection("HeaderEnv").GetChildren())
        {
            var key = definition.KeyOf($"HeaderEnv:{header.Key}");
            if (headers.Any(h => h.Key.Equals(header.Key, StringComparison.OrdinalIgnoreCase)))
            {
                throw new BadInputException(key, $"{key}: header '{Names.Printable(header.Key)}' is also set in Headers; set it in one place");
            }

            if (string.IsNullOrWhiteSpace(header.Value))
            {
                throw new BadInputException(key, $"{key} must name the environment variable that holds the header's value");
            }

            var value = Environment.GetEnvironmentVariable(header.Value);
            if (string.IsNullOrEmpty(value))
            {
                throw new BadInputException(key, $"{key}: environment variable '{Names.Printable(header.Value)}' is not set");
            }

            headers.Add(new(CheckHeader(key, header.Key, value), value));
        }

        return headers;
    }

    private static string CheckHeader(string key, string name, string value)
    {
        if (ReservedHeaders.Contains(name))
        {
            throw new BadInputException(key, $"{key}: header '{name}' is set by Courier itself");
        }

        using var probe = new HttpRequestMessage();
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0 || !probe.Headers.TryAddWithoutValidation(name, value))
        {
            // The value is a secret: the message names the header only.
            throw new BadInputException(key, $"{key}: '{Names.Printable(name)}' is not a valid request header, or its value is not a valid header value");
        }

        return name;
    }

    private static TimeSpan TimeSpanOf(TargetDefinition definition, string setting, TimeSpan defaultValue)
    {
        var text = definition.Section[setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return defaultValue;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero)
        {
            var key = definition.KeyOf(setting);
            throw new BadInputException(key, $"{key} '{Names.Printable(text)}' must be a positive time span like 00:00:30");
        }

        return value;
    }
}
