namespace Courier.Testing.Proxy;

/// <summary>One fault and its parameters. Make one with the static methods.</summary>
/// <param name="Kind">What happens.</param>
/// <param name="StatusCode">The status answered by <see cref="FaultKind.Status"/> (and <see cref="FaultKind.OkWithoutStoring"/>).</param>
/// <param name="RetryAfterSeconds">The <c>Retry-After</c> header of a <see cref="FaultKind.Status"/> answer, if any.</param>
/// <param name="Bytes">For <see cref="FaultKind.StallMidBody"/>: body bytes read before stalling; for <see cref="FaultKind.TruncateBody"/>:
/// bytes kept (null: half); for <see cref="FaultKind.FlipByte"/>: the offset flipped (null: the middle); for
/// <see cref="FaultKind.SlowResponse"/>: the bytes sent every 100 ms.</param>
/// <param name="EchoRequest">For <see cref="FaultKind.Status"/>: the answer's body repeats the request line and headers, as careless servers' error pages do.</param>
public sealed record Fault(FaultKind Kind, int StatusCode = 0, int? RetryAfterSeconds = null, long? Bytes = null, bool EchoRequest = false)
{
    public static Fault Pass { get; } = new(FaultKind.None);

    public static Fault Status(int statusCode, int? retryAfterSeconds = null, bool echoRequest = false) => new(FaultKind.Status, statusCode, retryAfterSeconds, EchoRequest: echoRequest);

    public static Fault Reset() => new(FaultKind.Reset);

    public static Fault HangAfterBody() => new(FaultKind.HangAfterBody);

    public static Fault StallMidBody(long afterBytes) => new(FaultKind.StallMidBody, Bytes: afterBytes);

    public static Fault TruncateBody(long? keepBytes = null) => new(FaultKind.TruncateBody, Bytes: keepBytes);

    public static Fault FlipByte(long? offset = null) => new(FaultKind.FlipByte, Bytes: offset);

    public static Fault OkWithoutStoring() => new(FaultKind.OkWithoutStoring, 201);

    public static Fault TruncateResponse() => new(FaultKind.TruncateResponse);

    /// <summary>Forward the request, then send the response at <paramref name="bytesPerSecond"/> (in tenths of a second): a slow link.</summary>
    public static Fault SlowResponse(long bytesPerSecond) => new(FaultKind.SlowResponse, Bytes: Math.Max(1, bytesPerSecond / 10));

    /// <summary>Forward, but answer 403 Forbidden where the target answers 404, as S3 does for a missing key without <c>s3:ListBucket</c>.</summary>
    public static Fault MissingAsForbidden() => new(FaultKind.MissingAsForbidden);

    /// <summary>Acknowledge a DELETE with 204 but forward nothing: the target keeps serving the object.</summary>
    public static Fault AckWithoutDeleting() => new(FaultKind.AckWithoutDeleting, 204);

    /// <summary>Reads the body at <paramref name="bytesPerSecond"/> at most, then forwards it untouched.</summary>
    public static Fault Throttle(long bytesPerSecond) => new(FaultKind.Throttle, Bytes: bytesPerSecond);

    /// <summary>Forward, and make the answer's <c>ETag</c> opaque (not the content's MD5); for S3 <c>HEAD</c>s.</summary>
    public static Fault OpaqueETag() => new(FaultKind.OpaqueETag);

    /// <summary>A short label for logs and assertions: <c>status_503</c>, <c>reset</c>, <c>flip_byte</c>.</summary>
    public string Label => Kind switch
    {
        FaultKind.None => "none",
        FaultKind.Status => $"status_{StatusCode}",
        FaultKind.Reset => "reset",
        FaultKind.HangAfterBody => "hang_after_body",
        FaultKind.StallMidBody => "stall_mid_body",
        FaultKind.TruncateBody => "truncate_body",
        FaultKind.FlipByte => "flip_byte",
        FaultKind.OkWithoutStoring => "ok_without_storing",
        FaultKind.TruncateResponse => "truncate_response",
        FaultKind.AckWithoutDeleting => "ack_without_deleting",
        FaultKind.Throttle => "throttle",
        FaultKind.OpaqueETag => "opaque_etag",
        FaultKind.SlowResponse => "slow_response",
        FaultKind.MissingAsForbidden => "missing_as_forbidden",
        _ => Kind.ToString(),
    };

    public override string ToString() => Label;
}
