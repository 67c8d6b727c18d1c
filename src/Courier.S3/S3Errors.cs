using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Courier.Core.Targets;

namespace Courier.S3;

/// <summary>
/// Classifies what AWSSDK throws into a <see cref="TargetException"/>: refused credentials and a missing bucket are
/// permanent (a person must act), throttling, 5xx, timeouts and resets are transient. Messages never carry a credential.
/// </summary>
internal static class S3Errors
{
    private static readonly HashSet<string> PermanentAuth = new(StringComparer.Ordinal)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "AccountProblem",
        "InvalidToken", "NotSignedUp", "InvalidSecurity", "AuthorizationHeaderMalformed",
    };

    private static readonly HashSet<string> Transient = new(StringComparer.Ordinal)
    {
        "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed", "ExpiredToken",
        "OperationAborted", "IncompleteBody", "NoSuchUpload", "Throttling", "ThrottlingException", "TooManyRequests",
    };

    /// <summary>Whether <paramref name="code"/> and <paramref name="status"/> describe a failure a later try may get past.</summary>
    public static bool IsTransient(string? code, int status)
    {
        if (code is not null && PermanentAuth.Contains(code))
        {
            return false;
        }

        if (code is "BadDigest" || (code is not null && Transient.Contains(code)))
        {
            return true;
        }

        return status == 0 || ErrorKinds.IsTransientHttp(status);
    }

    /// <summary>The stable label of a failure: <c>auth</c>, <c>not_found</c>, <c>throttled</c>, <c>checksum</c> or <c>http_NNN</c>.</summary>
    public static string KindOf(string? code, int status) => code switch
    {
        not null when PermanentAuth.Contains(code) => ErrorKinds.Auth,
        "NoSuchBucket" => ErrorKinds.NotFound,
        "SlowDown" or "Throttling" or "ThrottlingException" or "TooManyRequests" => ErrorKinds.Throttled,
        "BadDigest" or "InvalidDigest" => ErrorKinds.Checksum,
        "RequestTimeout" => ErrorKinds.Timeout,
        _ when status == 429 => ErrorKinds.Throttled,
        _ when status is 401 or 403 => ErrorKinds.Auth,
        _ when status > 0 => ErrorKinds.Http(status),
        _ => ErrorKinds.Connection,
    };

    /// <summary>
    /// Turns what an S3 call threw into the one exception a target reports. <paramref name="what"/> says what was being
    /// done (<c>PUT s3://vod/movie-42/720p/720p.mp4</c>); <paramref name="secrets"/> are scrubbed from every message.
    /// </summary>
    public static TargetException From(string target, string what, Exception exception, IReadOnlyList<string> secrets)
    {
        switch (exception)
        {
            case TargetException already:
                return already;
            case AmazonServiceException service when service.StatusCode != 0 || service.ErrorCode is not null:
            {
                var status = (int)service.StatusCode;
                var code = service.ErrorCode;
                var transient = IsTransient(code, status);
                var reason = code switch
                {
                    "NoSuchBucket" => "the bucket does not exist",
                    "InvalidAccessKeyId" => "the access key id was refused (check the variable AccessKeyEnv names)",
                    "SignatureDoesNotMatch" => "the signature was refused (check the variable SecretKeyEnv names)",
                    "AccessDenied" => "access denied (check the key's permissions on the bucket)",
                    _ => null,
                };
                var detail = string.IsNullOrWhiteSpace(service.Message) ? null : service.Message.Trim();
                var message = $"{what}: {code ?? "error"} ({status}{(status > 0 ? " " + (HttpStatusCode)status : string.Empty)})"
                    + (reason is null ? string.Empty : $": {reason}")
                    + (detail is null ? string.Empty : $" — {detail}");
                return new TargetException(target, Scrub(message, secrets), transient, KindOf(code, status), RetryAfterOf(code), exception);
            }

            case InvalidDataException changed:
                return new TargetException(target, Scrub($"{what}: {changed.Message}", secrets), true, ErrorKinds.SizeMismatch, null, exception);
            case TimeoutException or TaskCanceledException or OperationCanceledException:
                return new TargetException(target, Scrub($"{what}: timed out ({exception.Message})", secrets), true, ErrorKinds.Timeout, null, exception);
            case AmazonClientException or HttpRequestException or IOException or SocketException or AmazonServiceException:
                return new TargetException(target, Scrub($"{what}: connection failed ({Innermost(exception).Message})", secrets), true, ErrorKinds.Connection, null, exception);
            default:
                return new TargetException(target, Scrub($"{what}: {exception.GetType().Name}: {exception.Message}", secrets), true, ErrorKinds.Unknown, null, exception);
        }
    }

    private static TimeSpan? RetryAfterOf(string? code) => code is "SlowDown" ? TimeSpan.FromSeconds(1) : null;

    private static Exception Innermost(Exception exception)
    {
        var current = exception;
        while (current.InnerException is not null)
        {
            current = current.InnerException;
        }

        return current;
    }

    /// <summary>Replaces every occurrence of a credential in <paramref name="message"/> with <c>***</c>.</summary>
    public static string Scrub(string message, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length > 0)
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }
}
