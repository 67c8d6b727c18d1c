using System.Security.Cryptography;
using Courier.Core.Domain;
using Courier.Core.Targets;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// Full verification, end to end, at a filesystem target and at nginx WebDAV behind the fault proxy. A push is sent with
/// a fast hash and read back once, with SHA-256: the ledger must still hold the SHA-256 of each file's content, and a
/// byte changed on the way must still fail the attempt as <c>checksum</c>.
/// </summary>
public sealed class FullVerificationTests : IAsyncLifetime
{
    private const string Video = "movie-13";
    private readonly string _prefix = $"fullverify-{Guid.NewGuid():N}";
    private FaultProxy _proxy = null!;
    private CourierHarness _courier = null!;

    public async ValueTask InitializeAsync()
    {
        _proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var settings = CourierHarness.FastSettingsWithCdn(new Uri(_proxy.Url, _prefix + "/"));
        settings["Courier:Targets:archive:Kind"] = "filesystem";
        settings["Courier:Targets:archive:Root"] = "targets/archive";
        _courier = await CourierHarness.StartAsync(settings);
        _courier.WriteSource($"{Video}/360p.mp4", 2_500_000, seed: 13);
        _courier.WritePackage($"{Video}/hls-1080p", 300_000, seed: 31);
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _courier.DisposeAsync();
        TestEnvironment.DeleteWebDavPrefix(_prefix);
    }

    [Fact]
    public async Task A_verified_push_records_in_the_ledger_the_sha256_of_each_source_file_at_both_kinds_of_target()
    {
        var report = await _courier.DistributeAsync(Video, ("360p", $"{Video}/360p.mp4"), ("1080p", $"{Video}/hls-1080p"));

        report.Results.Count.ShouldBe(4);
        report.Results.ShouldAllBe(r => r.State == DeliveryState.Delivered, string.Join("; ", report.Results.Select(r => $"{r.Target} {r.Rendition} {r.State} {r.Error}")));
        foreach (var result in report.Results)
        {
            await LedgerHoldsTheSourcesSha256Async(result.DeliveryId, result.Rendition, expectedFiles: result.Rendition == "360p" ? 1 : 4);
        }
    }

    [Fact]
    public async Task A_byte_flipped_on_its_way_to_the_origin_fails_the_attempt_as_checksum_and_the_retry_records_the_true_sha256()
    {
        var flip = _proxy.Add(FaultRule.For(Fault.FlipByte(1_000_000)).OnMethod("PUT").OnPath(@"360p\.mp4").Times(1));

        var report = await _courier.DistributeAsync(Video, ("360p", $"{Video}/360p.mp4"));

        flip.Fired.ShouldBe(1);
        var cdn = report.Results.Single(r => r.Target == "cdn");
        cdn.State.ShouldBe(DeliveryState.Queued, "nginx stored a flipped byte: the read-back must not call it delivered");
        cdn.ErrorKind.ShouldBe(ErrorKinds.Checksum);
        cdn.Error.ShouldNotBeNull().ShouldContain("reads back with other bytes than were sent");
        report.Results.Single(r => r.Target == "archive").State.ShouldBe(DeliveryState.Delivered);

        var settled = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30));
        settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, _prefix, Video, "360p", "360p.mp4"))
            .ShouldBe(File.ReadAllBytes(Path.Combine(_courier.SourceRoot, Video, "360p.mp4")));
        await LedgerHoldsTheSourcesSha256Async(cdn.DeliveryId, "360p", expectedFiles: 1);
    }

    /// <summary>The files the ledger recorded for the delivery each carry the SHA-256 of their source file.</summary>
    private async Task LedgerHoldsTheSourcesSha256Async(Guid deliveryId, string rendition, int expectedFiles)
    {
        var files = await _courier.Store.GetDeliveryFilesAsync(deliveryId, Ct);
        files.Count.ShouldBe(expectedFiles, rendition);
        foreach (var file in files)
        {
            var relative = file.Key[$"{Video}/{rendition}/".Length..];
            var source = rendition == "360p"
                ? Path.Combine(_courier.SourceRoot, Video, "360p.mp4")
                : Path.Combine(_courier.SourceRoot, Video, "hls-1080p", relative);
            file.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))), $"the ledger's SHA-256 of {file.Key}");
            file.Bytes.ShouldBe(new FileInfo(source).Length);
        }
    }
}
