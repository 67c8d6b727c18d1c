using Courier.Core.Domain;
using Microsoft.Data.Sqlite;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// Reading back is progress, not bytes sent. Under full verification a push first reads the object the target already
/// holds (to skip it when it matches) and reads what it sent back: a slow link makes both slow, and the stall watchdog must
/// not take them for a stall; the attempt's bytes count only what was sent.
/// </summary>
public sealed class ReadBackTests : IAsyncLifetime
{
    private const string Video = "movie-7";
    private readonly string _prefix = $"readback-{Guid.NewGuid():N}";
    private FaultProxy _proxy = null!;
    private CourierHarness _courier = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var settings = CourierHarness.FastSettings(); // stall timeout 1 s
        settings["Courier:Targets:cdn:Kind"] = "http";
        settings["Courier:Targets:cdn:BaseUrl"] = new Uri(_proxy.Url, _prefix + "/").AbsoluteUri;
        _courier = await CourierHarness.StartAsync(settings);
        _courier.WriteSource($"{Video}/360p.mp4", 600_000, seed: 7);
        _courier.WriteSource($"{Video}/480p.mp4", 20_000, seed: 8);
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _courier.DisposeAsync();
        TestEnvironment.DeleteWebDavPrefix(_prefix);
    }

    [Fact]
    public async Task Reading_back_a_held_object_slower_than_the_stall_timeout_is_progress_and_the_delivery_ends_delivered()
    {
        (await _courier.DistributeAsync(Video, ("360p", $"{Video}/360p.mp4"))).Results.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Delivered);

        // The link gets slow: the 600 kB object reads back in about 4 s, four times the stall timeout. Version 2 adds a
        // rendition; its push of 360p first reads the held object back to prove it need not be sent again.
        var slow = _proxy.Add(FaultRule.For(Fault.SlowResponse(150_000)).OnMethod("GET").OnPath("360p\\.mp4$"));
        await _courier.DistributeAsync(Video, ("360p", $"{Video}/360p.mp4"), ("480p", $"{Video}/480p.mp4"));
        var record = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(60));

        slow.Fired.ShouldBeGreaterThan(0, "the held object really was read back over the slow link");
        var v2 = record.Deliveries.Where(d => d.Version == 2).ToList();
        v2.Count.ShouldBe(2);
        v2.ShouldAllBe(d => d.State == DeliveryState.Delivered, string.Join("; ", v2.Select(d => $"{d.Rendition} {d.State} {d.ErrorKind} {d.LastError}")));
        var held = v2.Single(d => d.Rendition == "360p");
        (await _courier.AttemptsAsync(held.Id)).ShouldAllBe(a => a.Succeeded, "no attempt was cut off as stalled");
        (await AttemptBytesAsync(held.Id)).ShouldBe([0L], "the held object was read back, not sent again");
        File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, _prefix, Video, "360p", "360p.mp4"))
            .ShouldBe(File.ReadAllBytes(Path.Combine(_courier.SourceRoot, Video, "360p.mp4")));
    }

    [Fact]
    public async Task A_failed_attempt_counts_the_bytes_it_sent_not_the_bytes_it_read_back()
    {
        // The verification read-back of the push is cut off halfway: the attempt fails after sending the whole file.
        _proxy.Add(FaultRule.For(Fault.TruncateResponse()).OnMethod("GET").OnPath("360p\\.mp4$").Times(1));
        var report = await _courier.DistributeAsync(Video, ("360p", $"{Video}/360p.mp4"));
        var delivery = report.Results.ShouldHaveSingleItem();
        delivery.State.ShouldBe(DeliveryState.Queued);
        var record = await _courier.SettleAsync(Video, TimeSpan.FromSeconds(30));
        var id = record.Deliveries.ShouldHaveSingleItem().Id;

        var attempts = await _courier.AttemptsAsync(id);
        attempts[0].Succeeded.ShouldBeFalse();
        (await AttemptBytesAsync(id))[0].ShouldBe(600_000L, "the failed attempt sent the file once; what it read back is not sent bytes");
    }

    private async Task<List<long>> AttemptBytesAsync(Guid deliveryId)
    {
        await using var connection = new SqliteConnection($"Data Source={_courier.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM attempts WHERE delivery_id = $id ORDER BY id";
        command.Parameters.AddWithValue("$id", deliveryId.ToString());
        var bytes = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            bytes.Add(reader.GetInt64(0));
        }

        return bytes;
    }
}
