using System.Security.Cryptography;
using System.Text;

namespace Courier.Server.Webhooks;

/// <summary>The <c>Courier-Signature</c> header: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body under the secret.</summary>
public static class WebhookSignature
{
    /// <summary>The header's name.</summary>
    public const string Header = "Courier-Signature";

    /// <summary>The header's value for <paramref name="body"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Checks a received header in constant time, as a receiver should.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header)
    {
        if (header is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, body));
        var actual = Encoding.ASCII.GetBytes(header);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
