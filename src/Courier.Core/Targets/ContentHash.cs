using System.Security.Cryptography;

namespace Courier.Core.Targets;

/// <summary>Hashing of whole streams, for verification by reading back.</summary>
public static class ContentHash
{
    /// <summary>Reads <paramref name="stream"/> to its end and returns its length and lower-case hex SHA-256, reporting bytes to <paramref name="activity"/>.</summary>
    public static async Task<(long Length, string Sha256)> Sha256Async(Stream stream, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
                activity?.Report(read);
            }

            return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
