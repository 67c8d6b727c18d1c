namespace Courier.Reliability.Tests.Faults;

/// <summary>The faults the proxy injects into an http target, by name, with the error kinds a correct Courier may report for each.</summary>
internal static class Faults
{
    public static readonly string[] Names =
    [
        "status_500", "status_503", "status_429", "reset", "hang_after_body", "stall_mid_body",
        "truncate_body", "flip_byte", "ok_without_storing", "truncate_response",
    ];

    public static TheoryData<string> All => new(Names);

    /// <param name="name">The fault.</param>
    /// <param name="once">True: the rule fires once, on the first request it can hurt; false: on every such request.</param>
    public static FaultRule Rule(string name, bool once) => (name, once) switch
    {
        // A read-back (verification) cut off halfway. The first push of a new video looks nothing up before it uploads
        // (the ledger proves nothing is there), so the first GET of a key is the verification after the upload.
        ("truncate_response", true) => FaultRule.For(Fault.TruncateResponse()).OnMethod("GET").OnPath(@"360p\.mp4$").Times(1),
        ("truncate_response", false) => FaultRule.For(Fault.TruncateResponse()).OnMethod("GET"),
        _ => once ? RuleFor(name).Times(1) : RuleFor(name),
    };

    private static FaultRule RuleFor(string name) => name switch
    {
        "status_500" => FaultRule.For(Fault.Status(500)).OnMethod("PUT"),
        "status_503" => FaultRule.For(Fault.Status(503, retryAfterSeconds: 1)).OnMethod("PUT"),
        "status_429" => FaultRule.For(Fault.Status(429, retryAfterSeconds: 1)).OnMethod("PUT"),
        "reset" => FaultRule.For(Fault.Reset()).OnMethod("PUT"),
        "hang_after_body" => FaultRule.For(Fault.HangAfterBody()).OnMethod("PUT"),
        "stall_mid_body" => FaultRule.For(Fault.StallMidBody(afterBytes: 100_000)).OnMethod("PUT"),
        "truncate_body" => FaultRule.For(Fault.TruncateBody()).OnMethod("PUT"),
        "flip_byte" => FaultRule.For(Fault.FlipByte()).OnMethod("PUT"),
        "ok_without_storing" => FaultRule.For(Fault.OkWithoutStoring()).OnMethod("PUT"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown fault"),
    };

    /// <summary>The error kinds that name the fault truthfully.</summary>
    public static string[] Kinds(string name) => name switch
    {
        "status_500" => ["http_500"],
        "status_503" => ["http_503"],
        "status_429" => ["http_429", "throttled"],
        "reset" => ["connection", "io"],
        "hang_after_body" or "stall_mid_body" => ["timeout"],
        "truncate_body" => ["size_mismatch", "checksum"],
        "flip_byte" => ["checksum"],
        "ok_without_storing" => ["not_stored", "not_found", "size_mismatch"],
        "truncate_response" => ["connection", "io", "checksum", "size_mismatch", "timeout"],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown fault"),
    };

    /// <summary>Text the reason must contain, when the fault has a number to name.</summary>
    public static string? ReasonMentions(string name) => name switch
    {
        "status_500" => "500",
        "status_503" => "503",
        "status_429" => "429",
        _ => null,
    };
}
