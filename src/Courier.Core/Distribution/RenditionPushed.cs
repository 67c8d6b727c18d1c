using Courier.Core.Storage;

namespace Courier.Core.Distribution;

/// <summary>A rendition pushed and verified at one target.</summary>
/// <param name="BytesSent">Bytes sent in this push (files the target already held are not sent again).</param>
/// <param name="TotalBytes">The rendition's size.</param>
/// <param name="Digest">SHA-256 of a single file; for a package, SHA-256 of its "path, length, SHA-256" lines.</param>
/// <param name="FilesSkipped">Files the target already held, verified, and not sent again.</param>
/// <param name="Files">Every file of the rendition now at the target, by its full object key, with its SHA-256 where known.</param>
public sealed record RenditionPushed(long BytesSent, long TotalBytes, string Digest, int FilesSkipped, IReadOnlyList<DeliveredFile> Files);
