namespace Courier.Core.Targets;

/// <summary>What a target holds under a key.</summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content when the target knows or computed it.</param>
/// <param name="ETag">The target's entity tag, when it has one (quotes removed).</param>
public sealed record StoredObject(long Length, string? Sha256 = null, string? ETag = null);
