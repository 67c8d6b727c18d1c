using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.S3.Tests;

/// <summary>An S3 server that goes away mid-upload: the attempt is transient (queued), and a later attempt delivers.</summary>
public sealed class S3ServerStoppedTests
{
    [Theory]
    [InlineData(6L << 20)]
    [InlineData(60L << 20)]
    public async Task Server_stopped_mid_upload_is_transient_and_a_later_put_delivers_byte_identical(long size)
    {
        using var server = await OwnS3Server.StartAsync("vod");
        using var files = new TempFiles();
        var source = files.Random("1080p.mp4", size, seed: 99);
        // 60 MB goes multipart in 5 MB parts, two at once; 6 MB is one PUT.
        using var target = S3TestServer.Target("vod", o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; o.PartConcurrency = 2; }, serviceUrl: server.Url);
        var meter = new ActivityMeter(size / 3, server.Kill);

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, size, "video/mp4", meter), Ct));

        meter.Fired.ShouldBeTrue("the server was stopped a third of the way through the upload");
        e.IsTransient.ShouldBeTrue($"a server that went away is transient, got {e.Kind}: {e.Message}");
        var decision = new RetryPolicy(new RetryOptions()).Decide(1, Failure.From(e), DateTimeOffset.UnixEpoch);
        decision.State.ShouldBe(DeliveryState.Queued);
        decision.NextAttemptAt.ShouldNotBeNull();

        await server.RestartAsync();
        var held = await target.StatAsync("movie-42/1080p/1080p.mp4", withChecksum: true, Ct);
        if (held?.Sha256 is { } claimed)
        {
            // s3rver writes a single PUT in place, its metadata last: a torn object has no SHA-256 to claim, and one
            // the server finished just before it died (the answer lost) claims only what it holds.
            TestData.Sha256(await S3TestServer.ReadAsync("vod", "movie-42/1080p/1080p.mp4", server.Url)).ShouldBe(claimed);
        }

        var result = await target.PutAsync(new ObjectPut("movie-42/1080p/1080p.mp4", source, size, "video/mp4"), Ct);

        result.ShouldBe(new PutResult(size, TempFiles.Sha256Of(source)));
        TestData.Sha256(await S3TestServer.ReadAsync("vod", "movie-42/1080p/1080p.mp4", server.Url)).ShouldBe(TempFiles.Sha256Of(source));
    }
}
