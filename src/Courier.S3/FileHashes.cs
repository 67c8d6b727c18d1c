using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

/// <summary>The SHA-256 (hex) and optionally the MD5 of a local file, read sequentially.</summary>
internal sealed record FileHashes(string Sha256, byte[]? Md5)
{
    private const int BufferSize = 1 << 20;
    private const long ConcurrentAbove = 8L << 20;

    /// <summary>
    /// Hashes the first <paramref name="length"/> bytes of <paramref name="file"/>. With <paramref name="md5"/> on a large
    /// file, SHA-256 and MD5 run at once on two sequential readers (page cache), so hashing costs the slower of the two.
    /// </summary>
    public static async Task<FileHashes> ComputeAsync(SafeFileHandle file, long length, bool md5, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        if (md5 && length > ConcurrentAbove)
        {
            var sha = Task.Run(() => HashAsync(file, length, [HashAlgorithmName.SHA256], activity, cancellationToken), cancellationToken);
            var md = Task.Run(() => HashAsync(file, length, [HashAlgorithmName.MD5], null, cancellationToken), cancellationToken);
            await Task.WhenAll(sha, md).ConfigureAwait(false);
            return new FileHashes(Convert.ToHexStringLower((await sha.ConfigureAwait(false))[0]), (await md.ConfigureAwait(false))[0]);
        }

        var algorithms = md5 ? new[] { HashAlgorithmName.SHA256, HashAlgorithmName.MD5 } : [HashAlgorithmName.SHA256];
        var hashes = await HashAsync(file, length, algorithms, activity, cancellationToken).ConfigureAwait(false);
        return new FileHashes(Convert.ToHexStringLower(hashes[0]), md5 ? hashes[1] : null);
    }

    /// <summary>The MD5 of the first <paramref name="length"/> bytes of <paramref name="file"/>.</summary>
    public static async Task<byte[]> Md5Async(SafeFileHandle file, long length, IProgress<long>? activity, CancellationToken cancellationToken) =>
        (await HashAsync(file, length, [HashAlgorithmName.MD5], activity, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>The hashes <paramref name="algorithms"/> of the first <paramref name="length"/> bytes of <paramref name="file"/>, in one sequential read.</summary>
    internal static async Task<byte[][]> HashAsync(SafeFileHandle file, long length, HashAlgorithmName[] algorithms, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var hashes = algorithms.Select(IncrementalHash.CreateHash).ToArray();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = 0;
            while (offset < length)
            {
                var want = (int)Math.Min(BufferSize, length - offset);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException($"the source file ended at {offset} bytes, {length} were expected (it changed while it was pushed)");
                }

                foreach (var hash in hashes)
                {
                    hash.AppendData(buffer, 0, read);
                }

                offset += read;
                activity?.Report(read);
            }

            return hashes.Select(h => h.GetHashAndReset()).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var hash in hashes)
            {
                hash.Dispose();
            }
        }
    }
}
