using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.S3.Tests;

public sealed class S3TargetErrorTests
{
    private static RetryDecision DecisionFor(Exception e) =>
        new RetryPolicy(new RetryOptions()).Decide(1, Failure.From(e), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Unknown_access_key_is_permanent_with_a_clear_reason_that_names_no_credential()
    {
        // s3rver checks the access key id (InvalidAccessKeyId) but not V4 signatures: a wrong secret with the right
        // key id is accepted there, so the refused key id is what this test can show.
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 10_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket, accessKey: "AKIAWRONGKEY0000TEST");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 10_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.Auth);
        e.Target.ShouldBe("cdn-south");
        e.Message.ShouldContain("InvalidAccessKeyId");
        e.Message.ShouldContain("access key id was refused");
        e.Message.ShouldNotContain("AKIAWRONGKEY0000TEST");
        e.Message.ShouldNotContain(S3TestServer.SecretKey);
        var decision = DecisionFor(e);
        decision.State.ShouldBe(DeliveryState.Dead);
        decision.Reason.ShouldContain("InvalidAccessKeyId");
        (await S3TestServer.HeadAsync(bucket, "movie-42/360p/360p.mp4")).ShouldBeNull();
    }

    [Theory]
    [InlineData("movie-42\\360p\\360p.mp4")]
    [InlineData("movie-42/360p/..\\360p.mp4")]
    [InlineData("movie-42//360p.mp4")]
    [InlineData("movie-42/../360p.mp4")]
    public async Task A_key_with_a_backslash_or_an_unsafe_segment_is_refused_as_bad_key_and_nothing_is_stored(string key)
    {
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 10_000);
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket);

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut(key, source, 10_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.BadKey);
        DecisionFor(e).State.ShouldBe(DeliveryState.Dead);
        if (key.Contains('\\', StringComparison.Ordinal))
        {
            (await S3TestServer.HeadAsync(bucket, key)).ShouldBeNull("nothing is stored under the backslashed key");
        }
    }

    [Fact]
    public async Task Missing_bucket_is_permanent_not_found()
    {
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 10_000);
        using var target = S3TestServer.Target("no-such-bucket-" + Guid.NewGuid().ToString("N")[..12]);

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 10_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.NotFound);
        e.Message.ShouldContain("NoSuchBucket");
        e.Message.ShouldContain("the bucket does not exist");
        DecisionFor(e).State.ShouldBe(DeliveryState.Dead);
        var probe = await Should.ThrowAsync<TargetException>(() => target.ProbeAsync(Ct));
        probe.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task Missing_bucket_fails_a_large_file_before_any_part_is_sent()
    {
        using var files = new TempFiles();
        var source = files.Random("1080p.mp4", 12L << 20);
        using var target = S3TestServer.Target("no-such-bucket-" + Guid.NewGuid().ToString("N")[..12], o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; });
        var meter = new ActivityMeter();

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, 12L << 20, "video/mp4", meter), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.NotFound);
        meter.Bytes.ShouldBe(0, "no part is sent to a bucket that does not exist");
    }

    [Fact]
    public async Task Unreachable_server_is_transient_connection_failure()
    {
        using var files = new TempFiles();
        var source = files.Random("360p.mp4", 10_000);
        using var target = S3TestServer.Target("vod", serviceUrl: "http://127.0.0.1:9");

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 10_000, "video/mp4"), Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Connection);
        DecisionFor(e).State.ShouldBe(DeliveryState.Queued);
    }

    [Fact]
    public async Task Missing_source_file_is_source_missing_not_a_target_failure()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        using var target = S3TestServer.Target(bucket);

        var e = await Should.ThrowAsync<Courier.Core.Sources.SourceMissingException>(() => target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", "/nonexistent/360p.mp4", 10, "video/mp4"), Ct));

        Failure.From(e).Kind.ShouldBe(ErrorKinds.SourceMissing);
    }

    [Theory]
    [InlineData("SlowDown", 503, true, ErrorKinds.Throttled)]
    [InlineData("InternalError", 500, true, "http_500")]
    [InlineData("ServiceUnavailable", 503, true, "http_503")]
    [InlineData("RequestTimeout", 400, true, ErrorKinds.Timeout)]
    [InlineData("BadDigest", 400, true, ErrorKinds.Checksum)]
    [InlineData("AccessDenied", 403, false, ErrorKinds.Auth)]
    [InlineData("InvalidAccessKeyId", 403, false, ErrorKinds.Auth)]
    [InlineData("SignatureDoesNotMatch", 403, false, ErrorKinds.Auth)]
    [InlineData("NoSuchBucket", 404, false, ErrorKinds.NotFound)]
    [InlineData("EntityTooLarge", 400, false, "http_400")]
    [InlineData(null, 429, true, ErrorKinds.Throttled)]
    public void S3_error_codes_are_classified(string? code, int status, bool transient, string kind)
    {
        S3Errors.IsTransient(code, status).ShouldBe(transient);
        S3Errors.KindOf(code, status).ShouldBe(kind);
    }
}
