using Courier.Core.Targets;

namespace Courier.S3.Tests;

/// <summary>Faults a real server does not make on its own, injected by a proxy in front of the shared s3rver.</summary>
public sealed class S3TargetFaultTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Body_is_sent_plain_with_content_md5_and_never_in_aws_chunked_framing()
    {
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var small = files.Random("360p.mp4", 100_000, seed: 1);
        var large = files.Random("1080p.mp4", 11L << 20, seed: 2);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; }, serviceUrl: proxy.Url);

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", small, 100_000, "video/mp4"), Token);
        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", large, 11L << 20, "video/mp4"), Token);

        var bodies = proxy.Requests.Where(r => r.StartsWith("PUT /" + bucket + "/movie-42/", StringComparison.Ordinal)).ToList();
        bodies.Count.ShouldBe(1 + 3, "one PUT and three parts");
        bodies.ShouldAllBe(r => r.Contains("\r\nContent-MD5: ", StringComparison.OrdinalIgnoreCase));
        bodies.ShouldAllBe(r => !r.Contains("aws-chunked", StringComparison.OrdinalIgnoreCase));
        bodies.ShouldAllBe(r => !r.Contains("STREAMING-", StringComparison.Ordinal));
        (await S3TestServer.ReadAsync(bucket, "movie-42/360p/360p.mp4")).ShouldBe(await File.ReadAllBytesAsync(small, Token));
        (await S3TestServer.ReadAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(await File.ReadAllBytesAsync(large, Token));
    }

    [Fact]
    public async Task Flipped_byte_in_a_single_put_is_never_called_delivered()
    {
        // s3rver does not check Content-MD5 (S3 would refuse the body with BadDigest): the ETag check catches it.
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 100_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, serviceUrl: proxy.Url);
        proxy.CorruptBodiesOf = "PUT /" + bucket + "/movie-42/";

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 100_000, "video/mp4"), Token));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("ETag");
    }

    [Fact]
    public async Task Flipped_byte_in_a_part_is_caught_and_the_upload_aborted()
    {
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var source = files.Random("1080p.mp4", 11L << 20);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 1; }, serviceUrl: proxy.Url);
        proxy.CorruptBodiesOf = "partNumber=2&";

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 11L << 20, "video/mp4"), Token));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("part 2");
        proxy.Requests.ShouldContain(r => r.StartsWith("DELETE /" + bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "the upload is aborted");
        proxy.Requests.ShouldNotContain(r => r.StartsWith("POST /" + bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "the upload is never completed");
        (await S3TestServer.ReadOrNullAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Connection_cut_during_a_part_fails_transient_and_aborts_the_upload()
    {
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var source = files.Random("1080p.mp4", 16L << 20);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; }, serviceUrl: proxy.Url);
        proxy.CutRequestsContaining = "partNumber=3&";

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 16L << 20, "video/mp4"), Token));

        e.IsTransient.ShouldBeTrue($"{e.Kind}: {e.Message}");
        var abort = proxy.Requests.SingleOrDefault(r => r.StartsWith("DELETE /" + bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal));
        abort.ShouldNotBeNull("the failed upload is aborted, not left dangling");
        proxy.Requests.ShouldNotContain(r => r.StartsWith("POST /" + bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal));
        (await S3TestServer.ReadOrNullAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Cancelled_multipart_upload_is_aborted()
    {
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var source = files.Random("1080p.mp4", 30L << 20);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 2; }, serviceUrl: proxy.Url);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var meter = new Courier.Target.Compliance.ActivityMeter(10L << 20, cancel.Cancel);

        await Should.ThrowAsync<OperationCanceledException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 30L << 20, "video/mp4", meter), cancel.Token));

        proxy.Requests.ShouldContain(r => r.StartsWith("DELETE /" + bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "a cancelled upload is aborted too");
        (await S3TestServer.ReadOrNullAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Storage_class_is_sent_with_every_new_object()
    {
        using var proxy = new FaultProxy(S3TestServer.Url);
        using var files = new TempFiles();
        var small = files.Random("360p.mp4", 1_000, seed: 1);
        var large = files.Random("1080p.mp4", 9L << 20, seed: 2);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, o => { o.StorageClass = "STANDARD_IA"; o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; }, serviceUrl: proxy.Url);

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", small, 1_000, "video/mp4"), Token);
        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", large, 9L << 20, "video/mp4"), Token);

        proxy.Requests.Single(r => r.StartsWith($"PUT /{bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal)).ShouldContain("x-amz-storage-class: STANDARD_IA", Case.Insensitive);
        proxy.Requests.Single(r => r.StartsWith($"POST /{bucket}/movie-42/1080p/1080p.mp4?uploads", StringComparison.Ordinal)).ShouldContain("x-amz-storage-class: STANDARD_IA", Case.Insensitive);
        (await S3TestServer.ReadAsync(bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(await File.ReadAllBytesAsync(large, Token));
    }

    [Fact]
    public async Task Object_whose_etag_proves_nothing_is_read_back_and_delivered_when_the_bytes_match()
    {
        using var proxy = new FaultProxy(S3TestServer.Url) { OpaqueETags = true };
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 200_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, serviceUrl: proxy.Url);

        var result = await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Token);

        result.Sha256.ShouldBe(TempFiles.Sha256Of(source));
        proxy.Requests.ShouldContain(r => r.StartsWith($"GET /{bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal), "the object is read back");
    }

    [Fact]
    public async Task Object_whose_etag_proves_nothing_and_whose_bytes_differ_is_never_called_delivered()
    {
        using var proxy = new FaultProxy(S3TestServer.Url) { OpaqueETags = true };
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 200_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, serviceUrl: proxy.Url);
        proxy.CorruptBodiesOf = $"PUT /{bucket}/movie-42/";

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Token));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("read back");
    }

    [Fact]
    public async Task Verify_size_does_not_read_back()
    {
        using var proxy = new FaultProxy(S3TestServer.Url) { OpaqueETags = true };
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 200_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, serviceUrl: proxy.Url, verify: VerifyMode.Size);

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Token);

        proxy.Requests.ShouldNotContain(r => r.StartsWith("GET ", StringComparison.Ordinal));
        proxy.Requests.ShouldContain(r => r.StartsWith($"HEAD /{bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal));
    }
}
