namespace Courier.Core.Targets;

/// <summary>How a target proves a pushed object before the delivery is called delivered.</summary>
public enum VerifyMode
{
    /// <summary>Prove the content: read back and compare SHA-256, or let the target prove it (S3 Content-MD5 and ETag). The default.</summary>
    Full,

    /// <summary>Check only the size (HEAD or stat), for links the user trusts.</summary>
    Size,
}
