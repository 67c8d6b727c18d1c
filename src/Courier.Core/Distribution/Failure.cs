using System.Net.Sockets;
using Courier.Core.Sources;
using Courier.Core.Targets;

namespace Courier.Core.Distribution;

/// <summary>A failed push, classified: transient failures are retried, permanent ones are dead at once.</summary>
public sealed record Failure(string Message, string Kind, bool IsTransient, TimeSpan? RetryAfter = null)
{
    /// <summary>Classifies any exception from a push. Targets throw <see cref="TargetException"/>; the rest is mapped here.</summary>
    public static Failure From(Exception exception) => exception switch
    {
        TargetException e => new Failure(e.Message, e.Kind, e.IsTransient, e.RetryAfter),
        SourceMissingException e => new Failure(e.Message, ErrorKinds.SourceMissing, false),
        TimeoutException e => new Failure($"timed out: {e.Message}", ErrorKinds.Timeout, true),
        SocketException e => new Failure($"connection failed: {e.Message}", ErrorKinds.Connection, true),
        HttpRequestException e => new Failure($"connection failed: {e.Message}", ErrorKinds.Connection, true),
        UnauthorizedAccessException e => new Failure($"access denied: {e.Message}", ErrorKinds.Auth, false),
        IOException e => new Failure($"I/O error: {e.Message}", ErrorKinds.Io, true),
        _ => new Failure($"{exception.GetType().Name}: {exception.Message}", ErrorKinds.Unknown, true),
    };
}
