namespace Courier.Core.Targets;

/// <summary>The hashes a <see cref="HashingStream"/> computes of what is read through it.</summary>
[Flags]
public enum StreamHashes
{
    /// <summary>No hash: the bytes are counted only (a target that verifies sizes).</summary>
    None = 0,

    /// <summary>SHA-256, the digest the ledger keeps.</summary>
    Sha256 = 1,

    /// <summary>MD5 (S3's <c>Content-MD5</c> and ETags).</summary>
    Md5 = 2,

    /// <summary>
    /// XxHash128: a non-cryptographic 128-bit hash, many times cheaper than SHA-256. A push under full verification
    /// hashes what it sends with it and compares it with the read-back's, which also gets the SHA-256 for the ledger.
    /// </summary>
    XxHash128 = 4,
}
