namespace Courier.S3;

/// <summary>The defaults of <see cref="S3TargetOptions"/>, written once.</summary>
public static class S3TargetDefaults
{
    /// <summary>The AWS region requests are signed for when none is configured.</summary>
    public const string AwsRegion = "us-east-1";

    /// <summary>Files of at least this size go multipart: 64 MB.</summary>
    public const long MultipartThreshold = 64L * 1024 * 1024;

    /// <summary>The size of one part of a multipart upload: 16 MB.</summary>
    public const long PartSize = 16L * 1024 * 1024;

    /// <summary>The smallest part S3 accepts (every part but the last): 5 MB.</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>The largest part S3 accepts: 5 GB.</summary>
    public const long MaxPartSize = 5L * 1024 * 1024 * 1024;

    /// <summary>The most parts of one multipart upload S3 accepts.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Parts of one upload in memory and in flight at once: 4.</summary>
    public const int PartConcurrency = 4;

    /// <summary>The most parts in flight at once that may be configured.</summary>
    public const int MaxPartConcurrency = 64;
}
