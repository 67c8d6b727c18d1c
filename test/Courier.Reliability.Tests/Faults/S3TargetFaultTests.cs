using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// The proxy between Courier and the S3 server (s3rver): each fault once ends delivered with the object's bytes equal
/// to the source (read straight from the S3 server); a fault that never clears ends dead, named; never delivered wrongly.
/// </summary>
public sealed class S3TargetFaultTests : IAsyncLifetime
{
    private const string Video = "movie-s3";
    private const string Bucket = "courier-test";
    private readonly string _prefix = $"rel-{Guid.NewGuid():N}";
    private global::Courier.Testing.Proxy.FaultProxy _proxy = null!;
    private CourierHarness _courier = null!;
    private AmazonS3Client _s3 = null!;

    public static TheoryData<string> OnceFaults => new(["status_500", "status_503", "reset", "hang_after_body", "truncate_body", "flip_byte", "ok_without_storing"]);

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable("COURIER_RELIABILITY_S3_KEY", "S3RVER");
        Environment.SetEnvironmentVariable("COURIER_RELIABILITY_S3_SECRET", "S3RVER");
        _proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.S3Url, preserveHost: true);
        var settings = CourierHarness.FastSettings();
        settings["Courier:Targets:south:Kind"] = "s3";
        settings["Courier:Targets:south:ServiceUrl"] = _proxy.Url.AbsoluteUri.TrimEnd('/');
        settings["Courier:Targets:south:Bucket"] = Bucket;
        settings["Courier:Targets:south:Prefix"] = _prefix;
        settings["Courier:Targets:south:AccessKeyEnv"] = "COURIER_RELIABILITY_S3_KEY";
        settings["Courier:Targets:south:SecretKeyEnv"] = "COURIER_RELIABILITY_S3_SECRET";
        _courier = await CourierHarness.StartAsync(settings);
        _courier.WriteSource("s3/360p.mp4", 300_000, seed: 31);
        _s3 = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = TestEnvironment.S3Url.AbsoluteUri,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
    }

    public async ValueTask DisposeAsync()
    {
        _s3.Dispose();
        await _proxy.DisposeAsync();
        await _courier.DisposeAsync();
    }

    private async Task<byte[]?> StoredAsync()
    {
        try
        {
            using var response = await _s3.GetObjectAsync(Bucket, $"{_prefix}/{Video}/360p/360p.mp4", Ct);
            using var memory = new MemoryStream();
            await response.ResponseStream.CopyToAsync(memory, Ct);
            return memory.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private byte[] Source => File.ReadAllBytes(Path.Combine(_courier.SourceRoot, "s3/360p.mp4"));

    private async Task DeliveredMeansBytesMatchAsync(VideoRecord record)
    {
        if (record.Deliveries.Single().State == DeliveryState.Delivered)
        {
            (await StoredAsync()).ShouldBe(Source, "recorded delivered, so the S3 object must be the source's bytes");
        }
    }

    [Theory]
    [MemberData(nameof(OnceFaults))]
    public async Task A_fault_once_at_the_s3_target_ends_delivered_with_identical_bytes(string fault)
    {
        var rule = _proxy.Add(Faults.Rule(fault, once: true));

        var report = await _courier.DistributeAsync(Video, ("360p", "s3/360p.mp4"));

        rule.Fired.ShouldBe(1);
        await DeliveredMeansBytesMatchAsync((await _courier.Store.GetVideoAsync(Video, Ct))!);
        // The S3 client's own quick retries may absorb a blip (a 5xx, a reset) inside the first attempt; whatever the
        // first attempt says, delivered must mean the right bytes, and a damaged body must never pass.
        var first = report.Results.ShouldHaveSingleItem();
        if (fault is "flip_byte" or "truncate_body" or "ok_without_storing")
        {
            first.State.ShouldBe(DeliveryState.Queued, $"{fault}: the damaged upload is caught ({first.ErrorKind}: {first.Error})");
            first.Error.ShouldNotBeNullOrWhiteSpace();
        }

        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30), r => DeliveredMeansBytesMatchAsync(r).GetAwaiter().GetResult());
        settled.Deliveries.Single().State.ShouldBe(DeliveryState.Delivered);
        (await StoredAsync()).ShouldBe(Source);
    }

    [Theory]
    [InlineData("flip_byte", new[] { "checksum" })]
    [InlineData("ok_without_storing", new[] { "not_stored", "size_mismatch", "checksum" })]
    [InlineData("status_503", new[] { "http_503" })]
    [InlineData("reset", new[] { "connection", "io" })]
    public async Task A_fault_that_never_clears_at_the_s3_target_ends_dead_and_named(string fault, string[] kinds)
    {
        _proxy.Add(Faults.Rule(fault, once: false));

        await _courier.DistributeAsync(Video, ("360p", "s3/360p.mp4"));
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(45), r => DeliveredMeansBytesMatchAsync(r).GetAwaiter().GetResult());

        var delivery = settled.Deliveries.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Dead, delivery.LastError);
        delivery.ErrorKind.ShouldBeOneOf(kinds);
        delivery.LastError.ShouldNotBeNullOrWhiteSpace();
        var stored = await StoredAsync();
        if (stored is not null)
        {
            stored.ShouldNotBe(Source, "dead, so the target must not hold the right bytes by accident of the fault");
        }
    }

    [Fact]
    public async Task Least_privilege_credentials_answering_403_to_the_head_of_a_missing_key_do_not_make_the_push_auth_dead()
    {
        // Credentials without s3:ListBucket: S3 answers 403, not 404, to a HEAD of a key it does not hold.
        var forbidden = _proxy.Add(FaultRule.For(Fault.MissingAsForbidden()).OnMethod("HEAD"));
        _courier.WriteSource("s3/480p.mp4", 40_000, seed: 32);
        await _courier.DistributeAsync(Video, ("360p", "s3/360p.mp4"));
        (await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30))).Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Delivered);

        // Version 2 adds a rendition: its push first asks whether the bucket already holds it (HEAD), and is told 403.
        await _courier.DistributeAsync(Video, ("360p", "s3/360p.mp4"), ("480p", "s3/480p.mp4"));
        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30));

        forbidden.Fired.ShouldBeGreaterThan(0, "a HEAD of the missing key was answered 403");
        var added = settled.Deliveries.Single(d => d.Version == 2 && d.Rendition == "480p");
        added.State.ShouldBe(DeliveryState.Delivered, $"{added.ErrorKind}: {added.LastError}");
        (await _courier.AttemptsAsync(added.Id)).ShouldAllBe(a => a.Kind != "auth", "a 403 to the HEAD is not a refusal of the push");
        settled.Deliveries.Single(d => d.Version == 2 && d.Rendition == "360p").State.ShouldBe(DeliveryState.Delivered);
        using var response = await _s3.GetObjectAsync(Bucket, $"{_prefix}/{Video}/480p/480p.mp4", Ct);
        using var memory = new MemoryStream();
        await response.ResponseStream.CopyToAsync(memory, Ct);
        memory.ToArray().ShouldBe(File.ReadAllBytes(Path.Combine(_courier.SourceRoot, "s3/480p.mp4")));
    }
}
