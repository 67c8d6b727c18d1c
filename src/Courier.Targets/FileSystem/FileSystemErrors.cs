using Courier.Core.Targets;

namespace Courier.Targets.FileSystem;

/// <summary>Maps file system failures to <see cref="TargetException"/>s.</summary>
internal static class FileSystemErrors
{
    // errno values on Linux: .NET puts the raw errno of an unmapped I/O error in IOException.HResult.
    private const int NoSpace = 28;      // ENOSPC
    private const int QuotaExceeded = 122; // EDQUOT

    /// <summary>
    /// Classifies <paramref name="exception"/>: no space (or quota) left is transient <c>disk_full</c>; permission denied is
    /// permanent <c>auth</c> (a person must fix the rights); any other I/O error is transient <c>io</c>.
    /// </summary>
    public static TargetException From(string target, string doing, Exception exception) => exception switch
    {
        UnauthorizedAccessException => new TargetException(target, $"{doing}: permission denied: {exception.Message}", isTransient: false, ErrorKinds.Auth, innerException: exception),
        IOException { HResult: NoSpace or QuotaExceeded } => new TargetException(target, $"{doing}: no space left: {exception.Message}", isTransient: true, ErrorKinds.DiskFull, innerException: exception),
        _ => new TargetException(target, $"{doing}: {exception.Message}", isTransient: true, ErrorKinds.Io, innerException: exception),
    };

    /// <summary>True for the exceptions <see cref="From"/> classifies (the file system's own failures).</summary>
    public static bool IsFileSystemFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;
}
