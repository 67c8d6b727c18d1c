using Courier.Core.Targets;
using Courier.Testing.Proxy;

namespace Courier.S3.Tests;

/// <summary>Faults a real server does not make on its own, injected by the fault proxy in front of the shared s3rver.</summary>
public sealed class S3TargetFaultTests : IAsyncLifetime
{
    private readonly TempFiles _files = new();
    private FaultProxy _proxy = null!;
    private string _bucket = null!;

    public async ValueTask InitializeAsync()
    {
        _proxy = S3TestServer.StartProxy();
        _bucket = await S3TestServer.NewBucketAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>An s3 target on this test's bucket, reached through the proxy.</summary>
    private S3Target Target(Action<S3TargetOptions>? configure = null, VerifyMode verify = VerifyMode.Full) =>
        S3TestServer.Target(_bucket, configure, serviceUrl: S3TestServer.ProxyUrl(_proxy), verify: verify);

    [Fact]
    public async Task Body_is_sent_plain_with_content_md5_and_never_in_aws_chunked_framing()
    {
        var small = _files.Random("360p.mp4", 100_000, seed: 1);
        var large = _files.Random("1080p.mp4", 11L << 20, seed: 2);
        using var target = Target(o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; });

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", small, 100_000, "video/mp4"), Ct);
        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", large, 11L << 20, "video/mp4"), Ct);

        var bodies = _proxy.Requests.Where(r => r.StartsWith("PUT /" + _bucket + "/movie-42/", StringComparison.Ordinal)).ToList();
        bodies.Count.ShouldBe(1 + 3, "one PUT and three parts");
        bodies.ShouldAllBe(r => r.Contains("\r\nContent-MD5: ", StringComparison.OrdinalIgnoreCase));
        bodies.ShouldAllBe(r => !r.Contains("aws-chunked", StringComparison.OrdinalIgnoreCase));
        bodies.ShouldAllBe(r => !r.Contains("STREAMING-", StringComparison.Ordinal));
        (await S3TestServer.ReadAsync(_bucket, "movie-42/360p/360p.mp4")).ShouldBe(await File.ReadAllBytesAsync(small, Ct));
        (await S3TestServer.ReadAsync(_bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(await File.ReadAllBytesAsync(large, Ct));
    }

    [Fact]
    public async Task Flipped_byte_in_a_single_put_is_never_called_delivered()
    {
        // s3rver does not check Content-MD5 (S3 would refuse the body with BadDigest): the ETag check catches it.
        var source = _files.Random("360p.mp4", 100_000);
        using var target = Target();
        _proxy.Inject(Fault.FlipByte()).OnMethod("PUT").OnPath($"^/{_bucket}/movie-42/");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 100_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("ETag");
    }

    [Fact]
    public async Task Flipped_byte_in_a_part_is_caught_and_the_upload_aborted()
    {
        var source = _files.Random("1080p.mp4", 11L << 20);
        using var target = Target(o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 1; });
        _proxy.Inject(Fault.FlipByte()).OnPath("partNumber=2&");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 11L << 20, "video/mp4"), Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("part 2");
        _proxy.Requests.ShouldContain(r => r.StartsWith("DELETE /" + _bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "the upload is aborted");
        _proxy.Requests.ShouldNotContain(r => r.StartsWith("POST /" + _bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "the upload is never completed");
        (await S3TestServer.ReadOrNullAsync(_bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Connection_cut_during_a_part_fails_transient_and_aborts_the_upload()
    {
        var source = _files.Random("1080p.mp4", 16L << 20);
        using var target = Target(o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; });
        _proxy.Inject(Fault.Reset()).OnPath("partNumber=3&");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 16L << 20, "video/mp4"), Ct));

        e.IsTransient.ShouldBeTrue($"{e.Kind}: {e.Message}");
        var abort = _proxy.Requests.SingleOrDefault(r => r.StartsWith("DELETE /" + _bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal));
        abort.ShouldNotBeNull("the failed upload is aborted, not left dangling");
        _proxy.Requests.ShouldNotContain(r => r.StartsWith("POST /" + _bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal));
        (await S3TestServer.ReadOrNullAsync(_bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Cancelled_multipart_upload_is_aborted()
    {
        var source = _files.Random("1080p.mp4", 30L << 20);
        using var target = Target(o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 2; });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var meter = new Courier.Target.Compliance.ActivityMeter(10L << 20, cancel.Cancel);

        await Should.ThrowAsync<OperationCanceledException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 30L << 20, "video/mp4", meter), cancel.Token));

        _proxy.Requests.ShouldContain(r => r.StartsWith("DELETE /" + _bucket + "/movie-42/1080p/1080p.mp4?uploadId=", StringComparison.Ordinal), "a cancelled upload is aborted too");
        (await S3TestServer.ReadOrNullAsync(_bucket, "movie-42/1080p/1080p.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Storage_class_is_sent_with_every_new_object()
    {
        var small = _files.Random("360p.mp4", 1_000, seed: 1);
        var large = _files.Random("1080p.mp4", 9L << 20, seed: 2);
        using var target = Target(o => { o.StorageClass = "STANDARD_IA"; o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; });

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", small, 1_000, "video/mp4"), Ct);
        await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", large, 9L << 20, "video/mp4"), Ct);

        _proxy.Requests.Single(r => r.StartsWith($"PUT /{_bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal)).ShouldContain("x-amz-storage-class: STANDARD_IA", Case.Insensitive);
        _proxy.Requests.Single(r => r.StartsWith($"POST /{_bucket}/movie-42/1080p/1080p.mp4?uploads", StringComparison.Ordinal)).ShouldContain("x-amz-storage-class: STANDARD_IA", Case.Insensitive);
        (await S3TestServer.ReadAsync(_bucket, "movie-42/1080p/1080p.mp4")).ShouldBe(await File.ReadAllBytesAsync(large, Ct));
    }

    [Fact]
    public async Task Object_whose_etag_proves_nothing_is_read_back_and_delivered_when_the_bytes_match()
    {
        _proxy.Inject(Fault.OpaqueETag()).OnMethod("HEAD");
        var source = _files.Random("360p.mp4", 200_000);
        using var target = Target();

        var result = await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Ct);

        result.Sha256.ShouldBe(TempFiles.Sha256Of(source));
        _proxy.Requests.ShouldContain(r => r.StartsWith($"GET /{_bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal), "the object is read back");
    }

    [Fact]
    public async Task Object_whose_etag_proves_nothing_and_whose_bytes_differ_is_never_called_delivered()
    {
        _proxy.Inject(Fault.OpaqueETag()).OnMethod("HEAD");
        var source = _files.Random("360p.mp4", 200_000);
        using var target = Target();
        _proxy.Inject(Fault.FlipByte()).OnMethod("PUT").OnPath($"^/{_bucket}/movie-42/");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.Message.ShouldContain("read back");
    }

    [Fact]
    public async Task Verify_size_does_not_read_back()
    {
        _proxy.Inject(Fault.OpaqueETag()).OnMethod("HEAD");
        var source = _files.Random("360p.mp4", 200_000);
        using var target = Target(verify: VerifyMode.Size);

        await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 200_000, "video/mp4"), Ct);

        _proxy.Requests.ShouldNotContain(r => r.StartsWith("GET ", StringComparison.Ordinal));
        _proxy.Requests.ShouldContain(r => r.StartsWith($"HEAD /{_bucket}/movie-42/360p/360p.mp4 ", StringComparison.Ordinal));
    }
}
