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
    /// A multipart upload with the file hashed alongside it. The parts are read by offset, at most
    /// <see cref="S3TargetOptions.PartConcurrency"/> in flight, while two sequential reads hash the file
    /// (<see cref="MultipartHashes"/>): each part's MD5 (sent as <c>Content-MD5</c>, and AWS's <c>md5-of-part-md5s-N</c>
    /// ETag) in one; its SHA-256 (for the ledger) and, where the server's multipart ETag is the whole-object MD5 (s3rver),
    /// that MD5 in the other. Every part waits only for its own MD5 and goes with <c>Content-MD5</c>, so the server refuses a damaged part and the old object stays whole. The
    /// SHA-256 is not in the object's metadata: it is known only after the upload has started. Any failure, cancellation
    /// included, aborts the upload.
    /// </summary>
    private async Task<PutResult> PutMultipartAsync(ObjectPut put, SafeFileHandle source, long length, string objectKey, CancellationToken cancellationToken)
    {
        var partSize = PartSizeFor(length, _options.PartSize);
        var partCount = (int)((length + partSize - 1) / partSize);
        var form = Volatile.Read(ref _multipartETagForm);
        var wantWholeMd5 = Verify == VerifyMode.Full && form != FormParts;

        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            ContentType = put.ContentType,
            StorageClass = _storageClass,
        };
        var uploadId = (await _client.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        LogMultipartStarted(Name, objectKey, length, partCount, partSize);

        var partETags = new PartETag[partCount];
        var completed = false;
        FileHashes hashes;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hashing = MultipartHashes.Start(source, length, partSize, partCount, wantWholeMd5, partMd5s: true, TargetActivity.WithoutBytes(put.Activity), stop.Token);
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(1, partCount), parallel, async (number, token) =>
            {
                var offset = (number - 1) * partSize;
                var size = (int)Math.Min(partSize, length - offset);
                var md5 = await hashing.PartMd5Async(number, token).ConfigureAwait(false);
                var etag = await UploadPartAsync(put, source, objectKey, uploadId, number, offset, size, md5, token).ConfigureAwait(false);
                partETags[number - 1] = new PartETag(number, etag);
            }).ConfigureAwait(false);
            hashes = await hashing.Whole.ConfigureAwait(false);

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
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAny(hashing.Whole).ConfigureAwait(false);
                await AbortAsync(objectKey, uploadId).ConfigureAwait(false);
            }
        }

        var proving = new List<string> { S3ETags.OfParts(hashing.PartMd5s) };

        if (hashes.Md5 is not null)
        {
            proving.Add(Convert.ToHexStringLower(hashes.Md5));
        }

        async Task<string> WholeMd5Async(CancellationToken token) =>
            Convert.ToHexStringLower(await FileHashes.Md5Async(source, length, TargetActivity.WithoutBytes(put.Activity), token).ConfigureAwait(false));

        string etag;
        try
        {
            etag = await VerifyAsync(put, objectKey, length, hashes.Sha256, proving, WholeMd5Async, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetException)
        {
            // Learn the server's ETag form again: the next try hashes for every form.
            Volatile.Write(ref _multipartETagForm, FormUnknown);
            throw;
        }

        if (Verify == VerifyMode.Full)
        {
            Volatile.Write(ref _multipartETagForm, S3ETags.IsMultipart(etag) ? FormParts : S3ETags.IsMd5(etag) ? FormWholeMd5 : FormUnknown);
        }

        return new PutResult(length, hashes.Sha256);
    }

    /// <summary>
    /// Sends one part from a seekable window onto the file (memory stays flat whatever the part size), with
    /// <c>Content-MD5</c> when <paramref name="md5"/> is known, and checks a part ETag that is an MD5 against it.
    /// </summary>
    private async Task<string> UploadPartAsync(ObjectPut put, SafeFileHandle source, string objectKey, string uploadId, int number, long offset, int size, byte[]? md5, CancellationToken cancellationToken)
    {
        await using var body = new FileSegmentStream(source, offset, size);
        var request = new UploadPartRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            UploadId = uploadId,
            PartNumber = number,
            PartSize = size,
            InputStream = body,
            MD5Digest = md5 is null ? null : Convert.ToBase64String(md5),
            UseChunkEncoding = false,
        };
        using var progress = new TransferActivity(put.Activity);
        request.StreamTransferProgress += progress.OnProgress;
        var response = await _client.UploadPartAsync(request, cancellationToken).ConfigureAwait(false);
        progress.Finish(size);
        var etag = S3ETags.Normalize(response.ETag);
        if (md5 is not null && S3ETags.IsMd5(etag) && !string.Equals(etag, Convert.ToHexStringLower(md5), StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"{Describe("PUT", objectKey)}: part {number} stored with ETag {etag}, its MD5 is {Convert.ToHexStringLower(md5)}", true, ErrorKinds.Checksum);
        }

        return response.ETag;
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
