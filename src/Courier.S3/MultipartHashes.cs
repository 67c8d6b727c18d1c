using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

/// <summary>
/// The hashes of a multipart upload, computed by one sequential read of the file that runs alongside the part uploads
/// instead of before them: the SHA-256 of the whole file, optionally its MD5 (for servers whose multipart ETag is the
/// whole-object MD5) and optionally each part's MD5 (<c>Content-MD5</c>, and AWS's <c>md5-of-part-md5s-N</c> ETag). A
/// part's MD5 is ready as soon as the read has passed that part, so the upload of part 1 waits for 16 MiB of hashing,
/// not for the whole file.
/// </summary>
internal sealed class MultipartHashes
{
    private const int BufferSize = 1 << 20;

    private readonly TaskCompletionSource<byte[]>[]? _parts;
    private readonly Task<FileHashes> _whole;

    private MultipartHashes(SafeFileHandle file, long length, long partSize, int partCount, bool wholeMd5, bool partMd5s, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        _parts = partMd5s ? Enumerable.Range(0, partCount).Select(_ => new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray() : null;
        _whole = Task.Run(() => ReadAsync(file, length, partSize, wholeMd5, activity, cancellationToken), cancellationToken);
    }

    /// <summary>Starts the read; it ends with the file, a failure, or <paramref name="cancellationToken"/>.</summary>
    public static MultipartHashes Start(SafeFileHandle file, long length, long partSize, int partCount, bool wholeMd5, bool partMd5s, IProgress<long>? activity, CancellationToken cancellationToken) =>
        new(file, length, partSize, partCount, wholeMd5, partMd5s, activity, cancellationToken);

    /// <summary>The whole file's SHA-256 and, when asked for, its MD5, once the read has reached the end.</summary>
    public Task<FileHashes> Whole => _whole;

    /// <summary>The MD5 of part <paramref name="number"/> (1-based), or null when part MD5s were not asked for.</summary>
    public async Task<byte[]?> PartMd5Async(int number, CancellationToken cancellationToken) =>
        _parts is null ? null : await _parts[number - 1].Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The MD5s of every part, in order (only after <see cref="Whole"/> has completed, with part MD5s asked for).</summary>
    public IReadOnlyList<byte[]> PartMd5s => _parts!.Select(p => p.Task.Result).ToArray();

    private async Task<FileHashes> ReadAsync(SafeFileHandle file, long length, long partSize, bool wholeMd5, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5351 // Content-MD5 and ETags are MD5 by protocol; integrity, not security.
        using var md5 = wholeMd5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        using var partMd5 = _parts is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = 0;
            var part = 0;
            while (offset < length)
            {
                // Never read across a part boundary, so each part's MD5 ends exactly where the part does.
                var partEnd = Math.Min(length, (part + 1) * partSize);
                var want = (int)Math.Min(BufferSize, partEnd - offset);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException($"the source file ended at {offset} bytes, {length} were expected (it changed while it was pushed)");
                }

                sha256.AppendData(buffer, 0, read);
                md5?.AppendData(buffer, 0, read);
                partMd5?.AppendData(buffer, 0, read);
                offset += read;
                activity?.Report(read);
                if (offset == partEnd)
                {
                    if (partMd5 is not null)
                    {
                        _parts![part].TrySetResult(partMd5.GetHashAndReset());
                    }

                    part++;
                }
            }

            return new FileHashes(Convert.ToHexStringLower(sha256.GetHashAndReset()), md5?.GetHashAndReset());
        }
        catch (Exception e)
        {
            foreach (var waiting in _parts ?? [])
            {
                waiting.TrySetException(e);
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
