namespace Courier.Core.Targets;

/// <summary>What reading a stream to its end found: its length and the lower-case hex digests asked for (empty for one not asked for).</summary>
/// <param name="Length">The bytes read.</param>
/// <param name="Sha256">Lower-case hex SHA-256, or empty.</param>
/// <param name="XxHash128">Lower-case hex XxHash128, or empty.</param>
public sealed record ContentDigest(long Length, string Sha256, string XxHash128);
