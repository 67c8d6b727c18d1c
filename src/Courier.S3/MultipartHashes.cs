using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

/// <summary>
/// The hashes of a multipart upload, computed while the parts are uploaded instead of before: each part's MD5
/// (<c>Content-MD5</c>, and AWS's <c>md5-of-part-md5s-N</c> ETag), the SHA-256 of the whole file and optionally its MD5
/// (for servers whose multipart ETag is the whole-object MD5). Two sequential reads of the file run at once: one computes
/// the part MD5s alone, so the upload of part N waits only for the MD5 of parts 1 to N; the other the whole file's
/// hashes, which nothing needs before the upload is complete. On one read the parts waited for all three hashes, and
/// on a busy two-core machine that read, not the network, set the pace of the upload.
/// </summary>
internal sealed class MultipartHashes
{
    private const int BufferSize = 1 << 20;

    private readonly TaskCompletionSource<byte[]>[]? _parts;
    private readonly Task<FileHashes> _whole;

    private MultipartHashes(SafeFileHandle file, long length, long partSize, int partCount, bool wholeMd5, bool partMd5s, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        _parts = partMd5s ? Enumerable.Range(0, partCount).Select(_ => new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray() : null;
        var parts = _parts is null ? Task.CompletedTask : Task.Run(() => ReadPartsAsync(file, length, partSize, activity, cancellationToken), cancellationToken);
        var whole = Task.Run(() => FileHashes.HashAsync(file, length, wholeMd5 ? [HashAlgorithmName.SHA256, HashAlgorithmName.MD5] : [HashAlgorithmName.SHA256], activity, cancellationToken), cancellationToken);
        _whole = BothAsync(parts, whole, wholeMd5);
    }

    /// <summary>Starts the reads; they end with the file, a failure, or <paramref name="cancellationToken"/>.</summary>
    public static MultipartHashes Start(SafeFileHandle file, long length, long partSize, int partCount, bool wholeMd5, bool partMd5s, IProgress<long>? activity, CancellationToken cancellationToken) =>
        new(file, length, partSize, partCount, wholeMd5, partMd5s, activity, cancellationToken);

    /// <summary>The whole file's SHA-256 and, when asked for, its MD5, once both reads have reached the end (or failed: then neither is still reading).</summary>
    public Task<FileHashes> Whole => _whole;

    /// <summary>The MD5 of part <paramref name="number"/> (1-based), or null when part MD5s were not asked for.</summary>
    public async Task<byte[]?> PartMd5Async(int number, CancellationToken cancellationToken) =>
        _parts is null ? null : await _parts[number - 1].Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The MD5s of every part, in order (only after <see cref="Whole"/> has completed, with part MD5s asked for).</summary>
    public IReadOnlyList<byte[]> PartMd5s => _parts!.Select(p => p.Task.Result).ToArray();

    /// <summary>Waits for both reads (a failed one does not leave the other reading the file), then throws the first failure or returns the hashes.</summary>
    private static async Task<FileHashes> BothAsync(Task parts, Task<byte[][]> whole, bool wholeMd5)
    {
        await Task.WhenAll(parts, whole).ConfigureAwait(false);
        var hashes = await whole.ConfigureAwait(false);
        return new FileHashes(Convert.ToHexStringLower(hashes[0]), wholeMd5 ? hashes[1] : null);
    }

    private async Task ReadPartsAsync(SafeFileHandle file, long length, long partSize, IProgress<long>? activity, CancellationToken cancellationToken)
    {
#pragma warning disable CA5351 // Content-MD5 and ETags are MD5 by protocol; integrity, not security.
        using var partMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
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

                partMd5.AppendData(buffer, 0, read);
                offset += read;
                activity?.Report(read);
                if (offset == partEnd)
                {
                    _parts![part].TrySetResult(partMd5.GetHashAndReset());
                    part++;
                }
            }
        }
        catch (Exception e)
        {
            foreach (var waiting in _parts!)
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
