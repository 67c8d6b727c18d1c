namespace Courier.Core.Targets;

/// <summary>
/// Every failure a target reports. <see cref="IsTransient"/> decides between the failure queue (retry with backoff)
/// and the dead letters (a person must look); <see cref="Kind"/> is a short stable label for grouping
/// (<c>http_503</c>, <c>timeout</c>, <c>connection</c>, <c>checksum</c>, <c>auth</c>, <c>disk_full</c> …).
/// </summary>
public sealed class TargetException : Exception
{
    public TargetException(string target, string message, bool isTransient, string kind, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Target = target;
        IsTransient = isTransient;
        Kind = kind;
        RetryAfter = retryAfter;
    }

    public TargetException()
        : this(string.Empty, "target failed", true, ErrorKinds.Unknown)
    {
    }

    public TargetException(string message)
        : this(string.Empty, message, true, ErrorKinds.Unknown)
    {
    }

    public TargetException(string message, Exception innerException)
        : this(string.Empty, message, true, ErrorKinds.Unknown, null, innerException)
    {
    }

    /// <summary>The target's name.</summary>
    public string Target { get; }

    /// <summary>True when a later try may succeed (timeouts, resets, 5xx, 408, 429, checksum mismatch).</summary>
    public bool IsTransient { get; }

    /// <summary>A short stable label of the failure, for grouping and bulk retry.</summary>
    public string Kind { get; }

    /// <summary>How long the target asked to wait (HTTP <c>Retry-After</c>), if it did.</summary>
    public TimeSpan? RetryAfter { get; }
}
