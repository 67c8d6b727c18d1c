namespace Courier.Testing.Proxy;

/// <summary>What the proxy does to a request instead of (or while) forwarding it.</summary>
public enum FaultKind
{
    /// <summary>Forward untouched.</summary>
    None,

    /// <summary>Read the request, answer a status (500, 503, 429 …) with an optional <c>Retry-After</c>, forward nothing.</summary>
    Status,

    /// <summary>Read the request head, then reset the connection (TCP RST).</summary>
    Reset,

    /// <summary>Read the whole body, then never answer (the connection stays open until the client gives up).</summary>
    HangAfterBody,

    /// <summary>Read part of the body, then stop reading and never answer.</summary>
    StallMidBody,

    /// <summary>Forward only the first part of the body (with its length adjusted): the target stores a shorter object and says so is fine.</summary>
    TruncateBody,

    /// <summary>Forward the body with one byte flipped: the target stores different bytes and answers success.</summary>
    FlipByte,

    /// <summary>Read the body and answer 201 Created without forwarding anything: nothing is stored.</summary>
    OkWithoutStoring,

    /// <summary>Forward the request, then cut the response off halfway and close the connection.</summary>
    TruncateResponse,

    /// <summary>Forward the request, then send the response slowly: <see cref="Fault.Bytes"/> bytes every 100 ms.</summary>
    SlowResponse,

    /// <summary>Forward the request; a 404 answer reaches the client as 403 Forbidden (S3 without <c>s3:ListBucket</c>).</summary>
    MissingAsForbidden,

    /// <summary>Answer 204 No Content without forwarding (for a DELETE: acknowledged, but the object is still there and served).</summary>
    AckWithoutDeleting,

    /// <summary>Read the body no faster than <see cref="Fault.Bytes"/> bytes a second, then forward it: a slow link, a push that stays mid-upload.</summary>
    Throttle,

    /// <summary>
    /// Forward, then answer with the <c>ETag</c> header's 32 hex digits replaced by 32 letters that are not hex (same
    /// length), as S3 servers with SSE-KMS or some gateways answer: an ETag that proves nothing about the content.
    /// </summary>
    OpaqueETag,
}
