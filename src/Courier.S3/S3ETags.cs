using System.Security.Cryptography;

namespace Courier.S3;

/// <summary>
/// What an S3 ETag proves. A single PUT's ETag is the hex MD5 of the body; a multipart upload's is AWS's
/// <c>md5(part md5s)-N</c> on AWS, but the MD5 of the whole object on some S3-compatible servers (s3rver). Any other
/// shape (SSE-KMS, some gateways) proves nothing and the object must be read back.
/// </summary>
internal static class S3ETags
{
    /// <summary>The ETag without its quotes, lower case.</summary>
    public static string Normalize(string? etag) => (etag ?? string.Empty).Trim().Trim('"').ToLowerInvariant();

    /// <summary>True for a plain hex MD5 (32 hex digits).</summary>
    public static bool IsMd5(string etag) => etag.Length == 32 && etag.All(char.IsAsciiHexDigit);

    /// <summary>True for AWS's multipart form: 32 hex digits, a dash, the part count.</summary>
    public static bool IsMultipart(string etag)
    {
        var dash = etag.IndexOf('-', StringComparison.Ordinal);
        return dash == 32 && IsMd5(etag[..32]) && etag.Length > 33 && etag[33..].All(char.IsAsciiDigit);
    }

    /// <summary>True when the ETag has a shape that proves content (so a mismatch is a real mismatch).</summary>
    public static bool IsProof(string etag) => IsMd5(etag) || IsMultipart(etag);

    /// <summary>AWS's multipart ETag of parts with these MD5s: <c>hex(md5(md5_1 ‖ … ‖ md5_N))-N</c>.</summary>
    public static string OfParts(IReadOnlyList<byte[]> partMd5s)
    {
        var all = new byte[partMd5s.Count * 16];
        for (var i = 0; i < partMd5s.Count; i++)
        {
            partMd5s[i].CopyTo(all, i * 16);
        }

#pragma warning disable CA5351 // S3's multipart ETag is MD5 by protocol; integrity, not security.
        var md5 = MD5.HashData(all);
#pragma warning restore CA5351
        return $"{Convert.ToHexStringLower(md5)}-{partMd5s.Count}";
    }
}
