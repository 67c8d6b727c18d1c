using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

internal sealed partial class S3Target
{
    /// <summary>The part size for a file: the configured one, raised so the file fits in S3's 10,000 parts.</summary>
    internal static long PartSizeFor(long length, long configured) =>
        Math.Max(configured, (length + S3TargetDefaults.MaxParts - 1) / S3TargetDefaults.MaxParts);

    /// <summary>
    /// A multipart upload. The file's SHA-256 (and, while the server is not known to use AWS's ETag form, its MD5) is
    /// computed first by a sequential read, because it goes into the object's metadata when the upload starts. Then the
    /// parts are read by offset, at most <see cref="S3TargetOptions.PartConcurrency"/> in memory and in flight, each sent
    /// with its Content-MD5. Any failure, cancellation included, aborts the upload.
    /// </summary>
    private async Task<PutResult> PutMultipartAsync(ObjectPut put, SafeFileHandle source, long length, string objectKey, CancellationToken cancellationToken)
    {
        var partSize = PartSizeFor(length, _options.PartSize);
        var partCount = (int)((length + partSize - 1) / partSize);
        var wantWholeMd5 = Volatile.Read(ref _multipartETagForm) != FormParts;
        var hashes = await FileHashes.ComputeAsync(source, length, wantWholeMd5, TargetActivity.WithoutBytes(put.Activity), cancellationToken).ConfigureAwait(false);

        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            ContentType = put.ContentType,
            StorageClass = _storageClass,
        };
        initiate.Metadata.Add(Sha256Metadata, hashes.Sha256);
        if (hashes.Md5 is { } wholeMd5)
        {
            initiate.Metadata.Add(Md5Metadata, Convert.ToHexStringLower(wholeMd5));
        }
        var uploadId = (await _client.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        LogMultipartStarted(Name, objectKey, length, partCount, partSize);

        var partMd5s = new byte[partCount][];
        var partETags = new PartETag[partCount];
        var completed = false;
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(1, partCount), parallel, async (number, token) =>
            {
                var offset = (number - 1) * partSize;
                var size = (int)Math.Min(partSize, length - offset);
                var (md5, etag) = await UploadPartAsync(put, source, objectKey, uploadId, number, offset, size, token).ConfigureAwait(false);
                partMd5s[number - 1] = md5;
                partETags[number - 1] = new PartETag(number, etag);
            }).ConfigureAwait(false);

            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartETags = [.. partETags],
            };
            await _client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await AbortAsync(objectKey, uploadId).ConfigureAwait(false);
            }
        }

        var proving = new List<string> { S3ETags.OfParts(partMd5s) };
        if (hashes.Md5 is not null)
        {
            proving.Add(Convert.ToHexStringLower(hashes.Md5));
        }

        async Task<string> WholeMd5Async(CancellationToken token) =>
            Convert.ToHexStringLower(await FileHashes.Md5Async(source, length, TargetActivity.WithoutBytes(put.Activity), token).ConfigureAwait(false));

        var etag = await VerifyAsync(put, objectKey, length, hashes.Sha256, proving, WholeMd5Async, cancellationToken).ConfigureAwait(false);
        if (Verify == VerifyMode.Full)
        {
            Volatile.Write(ref _multipartETagForm, S3ETags.IsMultipart(etag) ? FormParts : S3ETags.IsMd5(etag) ? FormWholeMd5 : FormUnknown);
        }

        return new PutResult(length, hashes.Sha256);
    }

    private async Task<(byte[] Md5, string ETag)> UploadPartAsync(ObjectPut put, SafeFileHandle source, string objectKey, string uploadId, int number, long offset, int size, CancellationToken cancellationToken)
    {
        // The part is read from the file (page cache) to hash it and again by the SDK to sign and send it: memory stays flat
        // whatever the part size, instead of holding PartConcurrency parts in buffers.
        await using var body = new FileSegmentStream(source, offset, size);
        byte[] md5;
#pragma warning disable CA5351 // Content-MD5 and ETags are MD5 by protocol; integrity, not security.
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
#pragma warning restore CA5351
        {
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                long filled = 0;
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    filled += read;
                }

                if (filled != size)
                {
                    throw new TargetException(Name, $"{Describe("PUT", objectKey)}: the source file ended at {offset + filled} bytes while part {number} was read (it changed while it was pushed)", true, ErrorKinds.SizeMismatch);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            md5 = hash.GetHashAndReset();
        }

        body.Position = 0;
        var request = new UploadPartRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            UploadId = uploadId,
            PartNumber = number,
            PartSize = size,
            InputStream = body,
            MD5Digest = Convert.ToBase64String(md5),
            UseChunkEncoding = false,
        };
        using var progress = new TransferActivity(put.Activity);
        request.StreamTransferProgress += progress.OnProgress;
        var response = await _client.UploadPartAsync(request, cancellationToken).ConfigureAwait(false);
        progress.Finish(size);
        var etag = S3ETags.Normalize(response.ETag);
        if (S3ETags.IsMd5(etag) && !string.Equals(etag, Convert.ToHexStringLower(md5), StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"{Describe("PUT", objectKey)}: part {number} stored with ETag {etag}, its MD5 is {Convert.ToHexStringLower(md5)}", true, ErrorKinds.Checksum);
        }

        return (md5, response.ETag);
    }

    /// <summary>Aborts an unfinished upload so no parts are left behind; a failure to abort is logged, never thrown over the cause.</summary>
    private async Task AbortAsync(string objectKey, string uploadId)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout, _time);
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
            LogMultipartAborted(Name, objectKey, uploadId);
        }
        catch (Exception e)
        {
            LogAbortFailed(Name, objectKey, uploadId, S3Errors.Scrub(e.Message, _secrets));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Target {Target}: multipart upload of {ObjectKey}, {Bytes} bytes in {Parts} parts of {PartSize} bytes")]
    private partial void LogMultipartStarted(string target, string objectKey, long bytes, int parts, long partSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target}: aborted the unfinished multipart upload {UploadId} of {ObjectKey}")]
    private partial void LogMultipartAborted(string target, string objectKey, string uploadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target}: could not abort the multipart upload {UploadId} of {ObjectKey}: {Error}; a bucket lifecycle rule for incomplete uploads cleans it up")]
    private partial void LogAbortFailed(string target, string objectKey, string uploadId, string error);
}
