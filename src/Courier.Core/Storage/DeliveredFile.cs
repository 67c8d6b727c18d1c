namespace Courier.Core.Storage;

/// <summary>A file a push put at its target and verified there, as the ledger records it (to find orphans and to take a video down).</summary>
/// <param name="Key">The object key at the target (<c>movie-42/720p/seg-00001.ts</c>).</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its SHA-256 (lowercase hex), or null when only the size was verified.</param>
public sealed record DeliveredFile(string Key, long Bytes, string? Sha256);
