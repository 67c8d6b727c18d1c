using System.Security.Cryptography;
using Courier.Core.Targets;

namespace Courier.S3.Tests;

public sealed class S3TargetPutTests
{
    [Fact]
    public async Task Small_file_is_stored_byte_identical_with_its_content_type_and_sha256_metadata()
    {
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 300_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => o.Prefix = "vod");

        var result = await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 300_000, ContentTypes.For("360p.mp4")), TestContext.Current.CancellationToken);

        var stored = await S3TestServer.ReadAsync(bucket, "vod/movie-42/360p/360p.mp4");
        stored.ShouldBe(await File.ReadAllBytesAsync(source, TestContext.Current.CancellationToken));
        result.Bytes.ShouldBe(300_000);
        result.Sha256.ShouldBe(TempFiles.Sha256Of(source));
        var head = await S3TestServer.HeadAsync(bucket, "vod/movie-42/360p/360p.mp4");
        head!.Headers.ContentType.ShouldBe("video/mp4");
        head.Metadata["x-amz-meta-sha256"].ShouldBe(result.Sha256);
        S3ETags.Normalize(head.ETag).ShouldBe(Convert.ToHexStringLower(MD5.HashData(stored)));
    }
}
