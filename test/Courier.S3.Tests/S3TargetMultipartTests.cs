using System.Security.Cryptography;
using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.S3.Tests;

public sealed class S3TargetMultipartTests
{
    [Fact]
    public async Task File_of_200_MB_goes_multipart_and_reads_back_byte_identical()
    {
        using var files = new TempFiles();
        const long Size = 200L * 1024 * 1024;
        var source = files.Random("2160p.mp4", Size, seed: 2160);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket);
        var meter = new ActivityMeter();

        var result = await target.PutAsync(new ObjectPut("movie-42/2160p/2160p.mp4", source, Size, "video/mp4", meter), Ct);

        var stored = await S3TestServer.ReadAsync(bucket, "movie-42/2160p/2160p.mp4");
        stored.LongLength.ShouldBe(Size);
        TestData.Sha256(stored).ShouldBe(TempFiles.Sha256Of(source), "the stored bytes are the source's bytes (no aws-chunked framing)");
        result.ShouldBe(new PutResult(Size, TempFiles.Sha256Of(source)));
        var head = await S3TestServer.HeadAsync(bucket, "movie-42/2160p/2160p.mp4");
        head!.Metadata["x-amz-meta-sha256"].ShouldBeNull("the file is hashed while its parts are sent, so its SHA-256 is known only after the upload started: it goes to the ledger (the result), not into metadata");
        head.Headers.ContentType.ShouldBe("video/mp4");
        // s3rver answers a multipart object's ETag with the whole-object MD5 (AWS would say md5-of-part-md5s-13).
        S3ETags.Normalize(head.ETag).ShouldBe(Convert.ToHexStringLower(MD5.HashData(stored)));
        meter.Bytes.ShouldBeGreaterThanOrEqualTo(Size, "every part's bytes are reported as activity");
    }

    [Fact]
    public async Task Nothing_is_under_the_final_key_while_the_parts_are_sent()
    {
        using var files = new TempFiles();
        const long Size = 40L * 1024 * 1024;
        var source = files.Random("1080p.mp4", Size, seed: 7);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 2; });
        byte[]? midway = [1];
        var meter = new ActivityMeter(Size / 2, () => midway = S3TestServer.ReadOrNullAsync(bucket, "movie-42/1080p/1080p.mp4").GetAwaiter().GetResult());

        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, Size, "video/mp4", meter), Ct);

        meter.Fired.ShouldBeTrue();
        midway.ShouldBeNull("half-way through the parts, the final key must hold nothing");
        TestData.Sha256(await S3TestServer.ReadAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(TempFiles.Sha256Of(source));
    }

    [Fact]
    public async Task Old_object_stays_whole_while_the_parts_of_its_replacement_are_sent()
    {
        using var files = new TempFiles();
        const long Size = 40L * 1024 * 1024;
        var old = files.Random("old.mp4", 100_000, seed: 1);
        var source = files.Random("new.mp4", Size, seed: 2);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 2; });
        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", old, 100_000, "video/mp4"), Ct);
        byte[]? midway = null;
        var meter = new ActivityMeter(Size / 2, () => midway = S3TestServer.ReadOrNullAsync(bucket, "movie-42/1080p/1080p.mp4").GetAwaiter().GetResult());

        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, Size, "video/mp4", meter), Ct);

        meter.Fired.ShouldBeTrue();
        midway.ShouldNotBeNull();
        TestData.Sha256(midway).ShouldBe(TempFiles.Sha256Of(old), "half-way through the parts, the old object is still there whole");
        TestData.Sha256(await S3TestServer.ReadAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(TempFiles.Sha256Of(source));
    }

    [Fact]
    public async Task Parts_are_never_more_than_ten_thousand()
    {
        S3Target.PartSizeFor(200L << 20, 16L << 20).ShouldBe(16L << 20);
        var huge = 5L * 1024 * 1024 * 1024 * 1024;
        var partSize = S3Target.PartSizeFor(huge, 16L << 20);
        ((huge + partSize - 1) / partSize).ShouldBeLessThanOrEqualTo(10_000);
        await Task.CompletedTask;
    }

    [Fact]
    public void Aws_multipart_etag_is_md5_of_the_part_md5s_with_the_part_count()
    {
        // Two parts "a" and "b": md5(md5("a") ‖ md5("b")) - 2, as AWS computes it.
        var parts = new[] { MD5.HashData("a"u8), MD5.HashData("b"u8) };
        var expected = Convert.ToHexStringLower(MD5.HashData([.. parts[0], .. parts[1]])) + "-2";

        S3ETags.OfParts(parts).ShouldBe(expected);
        S3ETags.IsMultipart(expected).ShouldBeTrue();
        S3ETags.IsMd5(expected).ShouldBeFalse();
        S3ETags.IsProof("\"0a1b\"").ShouldBeFalse();
    }
}
