using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Targets;

namespace Courier.S3.Tests;

/// <summary>What only a signature-checking S3 can show, against Swift's s3api: a wrong secret, an aborted multipart upload, a bad Content-MD5.</summary>
public sealed class SwiftS3SignatureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_wrong_secret_key_is_refused_as_auth_dead_at_once_and_nothing_is_stored()
    {
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 10_000);
        var prefix = "wrong-secret-" + Guid.NewGuid().ToString("N")[..8];
        using var target = SwiftS3.Target(prefix, secretKey: "not-the-secret");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 10_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.Auth);
        e.Message.ShouldContain("SignatureDoesNotMatch");
        e.Message.ShouldNotContain("not-the-secret");
        new RetryPolicy(new RetryOptions()).Decide(1, Failure.From(e), DateTimeOffset.UnixEpoch).State.ShouldBe(DeliveryState.Dead);
        (await SwiftS3.ReadAsync($"{prefix}/movie-42/360p/360p.mp4", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_cancelled_multipart_push_is_aborted_no_upload_is_listed_and_its_parts_are_refused()
    {
        using var files = new TempFiles();
        const long Size = 80L << 20;
        var source = files.Random("1080p.mp4", Size);
        var prefix = "abort-" + Guid.NewGuid().ToString("N")[..8];
        var key = $"{prefix}/movie-42/1080p/1080p.mp4";
        using var target = SwiftS3.Target(prefix, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 1; });
        using var raw = SwiftS3.RawClient();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var push = target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, Size, "video/mp4"), cancel.Token);
        var upload = await UntilAsync("Courier to start a multipart upload", async () =>
            (await raw.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = SwiftS3.Bucket, Prefix = prefix }, Ct)).MultipartUploads?.FirstOrDefault());
        await cancel.CancelAsync();
        await Should.ThrowAsync<Exception>(() => push);

        await UntilAsync("the upload to be aborted", async () =>
            (await raw.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = SwiftS3.Bucket, Prefix = prefix }, Ct)).MultipartUploads is not { Count: > 0 } ? "none" : null);
        var part = await Should.ThrowAsync<AmazonS3Exception>(() => raw.UploadPartAsync(
            new UploadPartRequest { BucketName = SwiftS3.Bucket, Key = key, UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1024]), UseChunkEncoding = false },
            Ct));
        part.ErrorCode.ShouldBe("NoSuchUpload");
        (await SwiftS3.ReadAsync(key, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_bad_content_md5_is_refused_as_bad_digest_classified_as_a_checksum_retry_and_nothing_is_stored()
    {
        var key = $"bad-md5-{Guid.NewGuid():N}/movie-42/360p/360p.mp4";
        using var raw = SwiftS3.RawClient();
#pragma warning disable CA5351 // Content-MD5 is MD5 by protocol.
        var wrongMd5 = Convert.ToBase64String(MD5.HashData("other bytes"u8));
#pragma warning restore CA5351

        var refused = await Should.ThrowAsync<AmazonS3Exception>(() => raw.PutObjectAsync(
            new PutObjectRequest { BucketName = SwiftS3.Bucket, Key = key, InputStream = new MemoryStream(new byte[4096]), MD5Digest = wrongMd5, UseChunkEncoding = false },
            Ct));

        refused.ErrorCode.ShouldBe("BadDigest");
        var classified = S3Errors.From("cdn-swift", $"PUT {key}", refused, []);
        classified.IsTransient.ShouldBeTrue();
        classified.Kind.ShouldBe(ErrorKinds.Checksum);
        (await SwiftS3.ReadAsync(key, Ct)).ShouldBeNull();
    }

    private static async Task<T> UntilAsync<T>(string what, Func<Task<T?>> probe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed > Bound)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), Ct);
        }
    }
}
