using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Sources;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

/// <summary>
/// An S3-compatible bucket as a target. Objects are written by one PUT (below the multipart threshold) or a multipart
/// upload with parallel parts and bounded memory; a multipart upload that fails is aborted. Every body is sent with
/// <c>Content-MD5</c> (the server refuses a corrupted body) and without AWSSDK's <c>aws-chunked</c> framing (which many S3-compatible servers store verbatim). The source SHA-256 of a
/// single PUT is kept as object metadata (<c>x-amz-meta-sha256</c>); a multipart object's is in the ledger only.
/// Full verification: HEAD size plus the ETag (MD5, <c>md5-of-part-md5s-N</c>, or a whole-object MD5); where the ETag
/// proves nothing, the object is read back and hashed.
/// </summary>
internal sealed partial class S3Target : ITarget, ITargetListing, IDisposable
{
    /// <summary>The metadata name of the source SHA-256 (sent as <c>x-amz-meta-sha256</c>).</summary>
    internal const string Sha256Metadata = "x-amz-meta-sha256";

    /// <summary>The MD5 of the source as it was hashed with <see cref="Sha256Metadata"/>: the SHA-256 is only trusted when the server's ETag proves this MD5.</summary>
    internal const string Md5Metadata = "x-amz-meta-md5";

    private const int HashBufferSize = 1 << 20;
    private const int FormUnknown = 0;
    private const int FormParts = 1;
    private const int FormWholeMd5 = 2;
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    private readonly AmazonS3Client _client;
    private readonly S3TargetOptions _options;
    private readonly S3StorageClass? _storageClass;
    private readonly string[] _secrets;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private int _multipartETagForm = FormUnknown;

    public S3Target(string name, string region, VerifyMode verify, S3TargetOptions options, AWSCredentials? credentials, ILogger<S3Target>? logger = null, TimeProvider? time = null)
    {
        Name = name;
        Region = region;
        Verify = verify;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _storageClass = string.IsNullOrEmpty(options.StorageClass) ? null : S3StorageClass.FindValue(options.StorageClass);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle ?? !string.IsNullOrEmpty(options.ServiceUrl),
            // Content-MD5 is sent on every body; the SDK's own CRC checksums would force aws-chunked trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
        };
        if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.AwsRegion);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.AwsRegion;
        }

        _client = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        if (credentials is not null)
        {
            var immutable = credentials.GetCredentials();
            _secrets = [immutable.SecretKey, immutable.AccessKey];
        }
        else
        {
            _secrets = [];
        }
    }

    public string Name { get; }

    public string Region { get; }

    public string Kind => "s3";

    public VerifyMode Verify { get; }

    /// <summary>The settings this target runs with.</summary>
    internal S3TargetOptions Options => _options;

    /// <summary>
    /// The full object key of a target key: <c>{Prefix}/{key}</c>. Refuses (permanent <c>bad_key</c>) a key that is empty
    /// or holds a backslash, a NUL, an empty segment or a '.' or '..' segment: S3 would store it, but under a name no
    /// player or filesystem-backed origin reads as the same path (a backslash is a separator on some, a character on others).
    /// </summary>
    internal string ObjectKey(string key)
    {
        var why = string.IsNullOrEmpty(key) ? "is empty"
            : key.Contains('\\', StringComparison.Ordinal) ? "contains a backslash"
            : key.Contains('\0', StringComparison.Ordinal) ? "contains a NUL character"
            : key.Split('/').Any(s => s.Length == 0) ? "has an empty segment (a leading, trailing or doubled '/')"
            : key.Split('/').Any(s => s is "." or "..") ? "has a '.' or '..' segment"
            : null;
        if (why is not null)
        {
            throw new TargetException(Name, $"object key '{Core.Domain.Names.Printable(key)}' {why}", isTransient: false, ErrorKinds.BadKey);
        }

        return _options.Prefix.Length == 0 ? key : $"{_options.Prefix}/{key}";
    }

    public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) =>
        StatAsync(key, withChecksum, null, cancellationToken);

    /// <remarks>A HEAD: S3 proves the checksum by the ETag and metadata, never by reading the object, so nothing to report.</remarks>
    public async Task<StoredObject?> StatAsync(string key, bool withChecksum, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        try
        {
            var head = await HeadAsync(objectKey, cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                return null;
            }

            return new StoredObject(head.ContentLength, Sha256Of(head), S3ETags.Normalize(head.ETag));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            // Credentials without s3:ListBucket get 403, not 404, for a key the bucket does not hold: not known to be held,
            // so the push goes on and sends it. A real refusal shows on the PUT (403 there is auth).
            LogHeadForbidden(Name, objectKey);
            return null;
        }
        catch (Exception e) when (!IsCancellation(e, cancellationToken))
        {
            throw S3Errors.From(Name, Describe("HEAD", objectKey), e, _secrets);
        }
    }

    public async Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(put.Key);
        try
        {
            using var source = OpenSource(put.SourcePath);
            var length = RandomAccess.GetLength(source);
            var stamp = File.GetLastWriteTimeUtc(put.SourcePath);
            var result = length >= _options.MultipartThreshold
                ? await PutMultipartAsync(put, source, length, objectKey, cancellationToken).ConfigureAwait(false)
                : await PutSingleAsync(put, source, length, objectKey, cancellationToken).ConfigureAwait(false);
            if (RandomAccess.GetLength(source) != length || File.GetLastWriteTimeUtc(put.SourcePath) != stamp)
            {
                throw new TargetException(Name, $"{Describe("PUT", objectKey)}: the source file changed while it was pushed", true, ErrorKinds.SizeMismatch);
            }

            return result;
        }
        catch (Exception e) when (e is not SourceMissingException && !IsCancellation(e, cancellationToken))
        {
            throw S3Errors.From(Name, Describe("PUT", objectKey), e, _secrets);
        }
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var request = new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = _options.Prefix.Length == 0 ? null : _options.Prefix + "/",
                MaxKeys = 1,
            };
            await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsCancellation(e, cancellationToken))
        {
            throw S3Errors.From(Name, Describe("LIST", _options.Prefix), e, _secrets);
        }
    }

    /// <summary>
    /// DeleteObject (S3 answers 204 whether or not the key existed), then a HEAD that must answer 404: a server that
    /// acknowledges the delete but still serves the object is caught, transient <see cref="ErrorKinds.NotRemoved"/>.
    /// </summary>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            // Already gone.
        }
        catch (Exception e) when (!IsCancellation(e, cancellationToken))
        {
            throw S3Errors.From(Name, Describe("DELETE", objectKey), e, _secrets);
        }

        if (!await ProveAbsentAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw new TargetException(Name, $"{Describe("DELETE", objectKey)}: deleted but still served (HEAD does not answer 404)", true, ErrorKinds.NotRemoved);
        }
    }

    /// <summary>
    /// A HEAD of the object: 404 is absent. A key without <c>s3:ListBucket</c> gets 403 for a missing object (S3 hides
    /// whether it exists), which proves nothing: that is reported as a permanent <c>auth</c> failure saying so.
    /// </summary>
    public async Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        try
        {
            return await HeadAsync(objectKey, cancellationToken).ConfigureAwait(false) is null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new TargetException(
                Name,
                S3Errors.Scrub($"{Describe("HEAD", objectKey)}: 403 Forbidden: cannot prove the object is gone (without s3:ListBucket on the bucket, S3 answers 403, not 404, for a missing key)", _secrets),
                false,
                ErrorKinds.Auth,
                null,
                e);
        }
        catch (Exception e) when (!IsCancellation(e, cancellationToken))
        {
            throw S3Errors.From(Name, Describe("HEAD", objectKey), e, _secrets);
        }
    }

    /// <summary>ListObjectsV2 under <c>{Prefix}/{prefix}/</c>, page by page; keys are relative to the target's prefix.</summary>
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var trimmed = prefix.TrimEnd('/');
        var under = trimmed.Length == 0 ? (_options.Prefix.Length == 0 ? string.Empty : _options.Prefix + "/") : ObjectKey(trimmed) + "/";
        var strip = _options.Prefix.Length == 0 ? 0 : _options.Prefix.Length + 1;
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = under };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!IsCancellation(e, cancellationToken))
            {
                throw S3Errors.From(Name, Describe("LIST", under), e, _secrets);
            }

            foreach (var entry in page.S3Objects ?? [])
            {
                yield return entry.Key[strip..];
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private async Task<PutResult> PutSingleAsync(ObjectPut put, SafeFileHandle source, long length, string objectKey, CancellationToken cancellationToken)
    {
        // Content-MD5 goes in a header before the body, so the file is hashed first (one sequential read), then sent;
        // a change of the file in between shows as an ETag that is not this MD5 (or, on AWS, as BadDigest).
        var quiet = TargetActivity.WithoutBytes(put.Activity);
        var hashes = await FileHashes.ComputeAsync(source, length, md5: true, quiet, cancellationToken).ConfigureAwait(false);
        var md5Hex = Convert.ToHexStringLower(hashes.Md5!);

        // A seekable body: AWSSDK streams a seekable body as it is when UseChunkEncoding is false, but wraps a
        // non-seekable one in aws-chunked framing whatever the flag says (seen with AWSSDK.S3 4.1.0 against s3rver).
        await using (var body = new FileStream(put.SourcePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous))
        {
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                ContentType = put.ContentType,
                MD5Digest = Convert.ToBase64String(hashes.Md5!),
                StorageClass = _storageClass,
            };
            request.Headers.ContentLength = length;
            request.Metadata.Add(Sha256Metadata, hashes.Sha256);
            request.Metadata.Add(Md5Metadata, md5Hex);
            using var progress = new TransferActivity(put.Activity);
            request.StreamTransferProgress += progress.OnProgress;
            await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            progress.Finish(length);
        }

        await VerifyAsync(put, objectKey, length, hashes.Sha256, [md5Hex], null, cancellationToken).ConfigureAwait(false);
        return new PutResult(length, hashes.Sha256);
    }

    /// <summary>
    /// Checks what the bucket holds under <paramref name="objectKey"/>: the size always; under full verification the ETag
    /// (one of <paramref name="provingETags"/>, or the whole-object MD5 from <paramref name="wholeMd5Late"/>), or, when
    /// the ETag proves nothing, the SHA-256 of the object read back.
    /// </summary>
    private async Task<string> VerifyAsync(ObjectPut put, string objectKey, long length, string sha256, IReadOnlyCollection<string> provingETags, Func<CancellationToken, Task<string>>? wholeMd5Late, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(objectKey, cancellationToken).ConfigureAwait(false)
            ?? throw new TargetException(Name, $"{Describe("HEAD", objectKey)}: the server answered the upload but holds no object", true, ErrorKinds.NotStored);
        if (head.ContentLength != length)
        {
            throw new TargetException(Name, $"{Describe("HEAD", objectKey)}: holds {head.ContentLength} bytes, {length} were sent", true, ErrorKinds.SizeMismatch);
        }

        var etag = S3ETags.Normalize(head.ETag);
        if (Verify == VerifyMode.Size || provingETags.Contains(etag, StringComparer.Ordinal))
        {
            return etag;
        }

        if (S3ETags.IsMd5(etag) && wholeMd5Late is not null)
        {
            if (string.Equals(etag, await wholeMd5Late(cancellationToken).ConfigureAwait(false), StringComparison.Ordinal))
            {
                return etag;
            }
        }
        else if (!S3ETags.IsProof(etag))
        {
            LogReadingBack(Name, objectKey, etag);
            await ReadBackAsync(put, objectKey, length, sha256, cancellationToken).ConfigureAwait(false);
            return etag;
        }

        throw new TargetException(Name, $"{Describe("HEAD", objectKey)}: ETag {etag} does not match the content sent ({string.Join(" or ", provingETags)})", true, ErrorKinds.Checksum);
    }

    private async Task ReadBackAsync(ObjectPut put, string objectKey, long length, string sha256, CancellationToken cancellationToken)
    {
        using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
        var (readLength, readSha) = await ContentHash.Sha256Async(response.ResponseStream, TargetActivity.WithoutBytes(put.Activity), cancellationToken).ConfigureAwait(false);
        if (readLength != length || !string.Equals(readSha, sha256, StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"{Describe("GET", objectKey)}: read back {readLength} bytes with SHA-256 {readSha}, sent {length} bytes with SHA-256 {sha256}", true, ErrorKinds.Checksum);
        }
    }

    private async Task<GetObjectMetadataResponse?> HeadAsync(string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            return null;
        }
    }

    /// <summary>
    /// The SHA-256 the object was uploaded with, only when the server proves the content matches it: its ETag (the MD5
    /// the server computed of what it stored) equals the MD5 hashed alongside that SHA-256. Metadata alone is a claim
    /// made before the body was sent; a body damaged on the way is stored with the same claim.
    /// </summary>
    private static string? Sha256Of(GetObjectMetadataResponse head)
    {
        var value = head.Metadata?[Sha256Metadata];
        var md5 = head.Metadata?[Md5Metadata];
        var proven = md5 is not null && S3ETags.IsMd5(S3ETags.Normalize(head.ETag)) && string.Equals(S3ETags.Normalize(head.ETag), md5.Trim().ToLowerInvariant(), StringComparison.Ordinal);
        return proven && value is { Length: 64 } && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : null;
    }

    private static SafeFileHandle OpenSource(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new SourceMissingException($"source file '{path}' is gone or unreadable: {e.Message}", e);
        }
    }

    private static bool IsCancellation(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private string Describe(string verb, string objectKey) => $"{verb} s3://{_options.Bucket}/{objectKey}";

    public void Dispose() => _client.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Target {Target}: HEAD of {ObjectKey} answered 403 (credentials without s3:ListBucket answer so for a missing key); taken as not held")]
    private partial void LogHeadForbidden(string target, string objectKey);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Target {Target}: ETag {ETag} of {ObjectKey} proves nothing; reading it back")]
    private partial void LogReadingBack(string target, string objectKey, string etag);
}
