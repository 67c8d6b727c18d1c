namespace Courier.Core.Targets;

/// <summary>Hashing of whole streams, for verification by reading back.</summary>
public static class ContentHash
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Reads <paramref name="stream"/> to its end and returns its length and lower-case hex SHA-256, reporting bytes to <paramref name="activity"/>.</summary>
    public static async Task<(long Length, string Sha256)> Sha256Async(Stream stream, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var digest = await DigestAsync(stream, StreamHashes.Sha256, activity, cancellationToken).ConfigureAwait(false);
        return (digest.Length, digest.Sha256);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, in one pass, and returns its length and the <paramref name="hashes"/>
    /// asked for, reporting bytes to <paramref name="activity"/>. Disposes <paramref name="stream"/>.
    /// </summary>
    public static async Task<ContentDigest> DigestAsync(Stream stream, StreamHashes hashes, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        await using var hashing = new HashingStream(stream, hashes, activity);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (await hashing.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false) > 0)
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
