namespace Courier.Core.Targets;

/// <summary>The stable labels of <see cref="TargetException.Kind"/> and of a delivery's error kind.</summary>
public static class ErrorKinds
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string Checksum = "checksum";
    public const string SizeMismatch = "size_mismatch";
    public const string NotStored = "not_stored";
    public const string Auth = "auth";
    public const string NotFound = "not_found";
    public const string DiskFull = "disk_full";
    public const string Throttled = "throttled";
    public const string SourceMissing = "source_missing";
    public const string TargetRemoved = "target_removed";

    /// <summary>The claiming node has no such target configured; the delivery is left queued for a node that has it.</summary>
    public const string TargetUnknown = "target_unknown";

    public const string LeaseLost = "lease_lost";
    public const string TargetDown = "target_down";
    public const string Io = "io";
    public const string BadKey = "bad_key";

    /// <summary>A target acknowledged a delete but still serves the object.</summary>
    public const string NotRemoved = "not_removed";

    /// <summary>A delivered file found missing or wrong at its target by reconcile.</summary>
    public const string Drifted = "drifted";
    public const string Unknown = "unknown";

    /// <summary>The label for an HTTP status: <c>http_503</c>.</summary>
    public static string Http(int status) => $"http_{status}";

    /// <summary>Whether an HTTP status is worth retrying: 408, 429 and every 5xx.</summary>
    public static bool IsTransientHttp(int status) => status is 408 or 429 || status >= 500;
}
