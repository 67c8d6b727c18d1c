namespace Courier.Core.Targets;

/// <summary>Hashing of whole streams, for verification by reading back.</summary>
public static class ContentHash
{
    private const int SmallestBuffer = 64 * 1024;
    private const int LargestBuffer = 1024 * 1024;

    /// <summary>Reads <paramref name="stream"/> to its end and returns its length and lower-case hex SHA-256, reporting bytes to <paramref name="activity"/>.</summary>
    public static async Task<(long Length, string Sha256)> Sha256Async(Stream stream, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var digest = await DigestAsync(stream, StreamHashes.Sha256, stream.CanSeek ? stream.Length : 0, activity, cancellationToken).ConfigureAwait(false);
        return (digest.Length, digest.Sha256);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, in one pass, and returns its length and the <paramref name="hashes"/>
    /// asked for, reporting bytes to <paramref name="activity"/>. Disposes <paramref name="stream"/>. It reads in pieces sized
    /// by the <paramref name="length"/> expected (0: unknown), from 64 KiB up to 1 MiB: a large file read back 1 MiB at a time
    /// costs a tenth of the reads of 128 KiB pieces, and many small ones read at once hold no more than they need.
    /// </summary>
    public static async Task<ContentDigest> DigestAsync(Stream stream, StreamHashes hashes, long length, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        await using var hashing = new HashingStream(stream, hashes, activity);
        var size = (int)Math.Clamp(length, SmallestBuffer, LargestBuffer);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            while (await hashing.ReadAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            return hashing.Digest();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
