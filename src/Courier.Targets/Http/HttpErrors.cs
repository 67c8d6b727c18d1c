using System.Net;
using Courier.Core.Targets;

namespace Courier.Targets.Http;

/// <summary>Maps HTTP answers and transport failures to <see cref="TargetException"/>s.</summary>
internal static class HttpErrors
{
    /// <summary>
    /// An answer that is not what was asked for: 408, 429 and 5xx are transient (with the server's <c>Retry-After</c>);
    /// 401 and 403 are permanent <c>auth</c>; every other status is permanent <c>http_NNN</c>.
    /// </summary>
    public static TargetException FromStatus(string target, string doing, HttpResponseMessage response, TimeProvider time)
    {
        var status = (int)response.StatusCode;
        var message = $"{doing}: {status} {response.ReasonPhrase}".TrimEnd();
        if (status is 401 or 403)
        {
            return new TargetException(target, message, isTransient: false, ErrorKinds.Auth);
        }

        if (ErrorKinds.IsTransientHttp(status))
        {
            var kind = status == 429 ? ErrorKinds.Throttled : ErrorKinds.Http(status);
            return new TargetException(target, message, isTransient: true, kind, RetryAfter(response, time));
        }

        return new TargetException(target, message, isTransient: false, ErrorKinds.Http(status));
    }

    /// <summary>
    /// The server's <c>Retry-After</c>: seconds, or a date taken against the answer's own <c>Date</c> (so clock skew does
    /// not matter), else against <paramref name="time"/>. Null when absent; never negative.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var now = response.Headers.Date ?? time.GetUtcNow();
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>
    /// A failure to get an answer at all: a deadline that passed is transient <c>timeout</c>; refused, reset or broken
    /// connections are transient <c>connection</c>.
    /// </summary>
    public static TargetException FromTransport(string target, string doing, Exception exception, RequestDeadline deadline) => exception switch
    {
        OperationCanceledException when deadline.Expired =>
            new TargetException(target, $"{doing}: no progress for {deadline.Timeout.TotalSeconds:0.#} s", isTransient: true, ErrorKinds.Timeout, innerException: exception),
        OperationCanceledException or TimeoutException =>
            new TargetException(target, $"{doing}: timed out ({exception.InnerException?.Message ?? exception.Message})", isTransient: true, ErrorKinds.Timeout, innerException: exception),
        _ => new TargetException(target, $"{doing}: connection failed: {Describe(exception)}", isTransient: true, ErrorKinds.Connection, innerException: exception),
    };

    private static string Describe(Exception exception)
    {
        var inner = exception.InnerException;
        return inner is null || inner.Message == exception.Message ? exception.Message : $"{exception.Message} ({inner.Message})";
    }

    /// <summary>A status that means the object is simply not there.</summary>
    public static bool IsAbsent(HttpStatusCode status) => status is HttpStatusCode.NotFound or HttpStatusCode.Gone;
}
