using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Testing.Proxy;
using Microsoft.Data.Sqlite;

namespace Courier.Reliability.Tests.Faults;

/// <summary>
/// The SQLite file locked by someone else: Courier waits for it (busy timeout) instead of failing or half-writing, and an
/// outcome the store refuses because the lock outlasts the busy timeout is written again until it is taken, while the rest
/// of the batch goes on (nothing is left <c>in_flight</c> under a node that keeps living).
/// </summary>
public sealed class SqliteLockTests
{
    [Fact]
    public async Task Distribution_waits_for_a_database_held_exclusively_elsewhere_and_then_completes()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        await using var courier = await CourierHarness.StartAsync(settings);
        courier.WriteSource("locked/360p.mp4", 100_000);
        await using var holder = new SqliteConnection($"Data Source={courier.DatabasePath};Pooling=False");
        await holder.OpenAsync(Ct);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        // Microsoft.Data.Sqlite waits for a lock synchronously: run the submission on its own thread, as a host would.
        var distributing = Task.Run(() => courier.DistributeAsync("locked", ("360p", "locked/360p.mp4")), Ct);

        // While the lock is held the submission must neither finish nor fail.
        var first = await Task.WhenAny(distributing, Task.Delay(TimeSpan.FromSeconds(1.5), Ct));
        first.ShouldNotBe(distributing, distributing.IsFaulted ? distributing.Exception!.ToString() : "submitted through an exclusive lock");
        File.Exists(courier.Directory.Combine("targets/archive/locked/360p/360p.mp4")).ShouldBeFalse("nothing is pushed before the submission is durable");
        await using (var commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync(Ct);
        }

        var report = await distributing.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        report.Video.Deliveries.ShouldHaveSingleItem().State.ShouldBe(DeliveryState.Delivered);
        File.ReadAllBytes(courier.Directory.Combine("targets/archive/locked/360p/360p.mp4"))
            .ShouldBe(File.ReadAllBytes(Path.Combine(courier.SourceRoot, "locked/360p.mp4")));
    }

    [Fact]
    public async Task An_outcome_refused_by_a_lock_held_past_the_busy_timeout_is_written_once_it_is_released_and_the_batch_goes_on()
    {
        var settings = CourierHarness.FastSettingsWithArchive();
        settings["Courier:Store:BusyTimeout"] = "00:00:00.500";
        // Only the store is locked here: a loaded machine must not turn a slow local copy into a stall.
        settings["Courier:Distribution:StallTimeout"] = "00:00:30";
        settings["Courier:Distribution:MaxConcurrency"] = "1";
        await using var courier = await CourierHarness.StartAsync(settings);
        var renditions = new[] { "360p", "720p", "1080p" };
        foreach (var (name, i) in renditions.Select((n, i) => (n, i)))
        {
            courier.WriteSource($"held/{name}.mp4", 50_000, seed: i + 1);
        }

        await using var holder = new ExclusiveLock(courier.DatabasePath);
        var request = new SubmitRequest("held", renditions.Select(r => new RenditionRequest(r, $"held/{r}.mp4")).ToList());

        // The first push takes the lock: its outcome meets a database held for longer than the busy timeout.
        var distributing = Task.Run(() => courier.Distributor.DistributeAsync(request, new LockOnFirstStart(holder), Ct), Ct);
        await Eventually.WaitForAsync(() => StoreWritesRefused(courier) >= 2 || distributing.IsCompleted, TimeSpan.FromSeconds(30), "the outcome refused twice by the locked store");
        distributing.IsFaulted.ShouldBeFalse(distributing.Exception?.ToString());
        StoreWritesRefused(courier).ShouldBeGreaterThanOrEqualTo(2, "the refused outcome is written again, not dropped");
        holder.Release();

        var report = await distributing.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        report.Video.Deliveries.Count.ShouldBe(3);
        report.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered, "every claimed delivery ran and its outcome was written");
        var record = await courier.Store.GetVideoAsync("held", Ct);
        record!.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
        foreach (var name in renditions)
        {
            File.ReadAllBytes(courier.Directory.Combine($"targets/archive/held/{name}/{name}.mp4"))
                .ShouldBe(File.ReadAllBytes(Path.Combine(courier.SourceRoot, $"held/{name}.mp4")));
        }
    }

    [Fact]
    public async Task A_scan_whose_outcome_meets_a_locked_store_leaves_nothing_in_flight_and_delivers_the_rest_of_its_batch()
    {
        var prefix = $"lock-{Guid.NewGuid():N}";
        await using var proxy = FaultProxy.Start(TestEnvironment.WebDavUrl);
        var settings = CourierHarness.FastSettingsWithCdn(new Uri(proxy.Url, prefix + "/"));
        settings["Courier:Store:BusyTimeout"] = "00:00:00.500";
        settings["Courier:Distribution:MaxConcurrency"] = "1";
        settings["Courier:Retry:MaxAttempts"] = "10";
        await using var courier = await CourierHarness.StartAsync(settings);
        try
        {
            var renditions = new[] { "360p", "720p", "1080p" };
            foreach (var (name, i) in renditions.Select((n, i) => (n, i)))
            {
                courier.WriteSource($"scan/{name}.mp4", 50_000, seed: i + 1);
            }

            proxy.GoDown();
            var queued = await courier.Distributor.DistributeAsync(new SubmitRequest("scan", renditions.Select(r => new RenditionRequest(r, $"scan/{r}.mp4")).ToList()), null, Ct);
            queued.Video.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Queued);
            proxy.GoUp();

            // The scan's first push hangs at the target until the stall timeout; meanwhile the store is locked, so that
            // push's outcome meets a database held for longer than the busy timeout.
            proxy.Add(FaultRule.For(Fault.HangAfterBody()).OnMethod("PUT").Times(1));
            var before = proxy.RequestCount;
            await Eventually.WaitAsync(async () => (await courier.Store.GetVideoAsync("scan", Ct))!.Deliveries.All(d => d.NextAttemptAt <= DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10), "the queued deliveries due");
            await using var holder = new ExclusiveLock(courier.DatabasePath);
            var scanning = Task.Run(() => courier.Scanner.RunOnceAsync(Ct), Ct);
            await Eventually.WaitForAsync(() => proxy.RequestCount > before || scanning.IsCompleted, TimeSpan.FromSeconds(10), "the scan pushing");
            holder.Take();
            await Eventually.WaitForAsync(() => StoreWritesRefused(courier) >= 2 || scanning.IsCompleted, TimeSpan.FromSeconds(30), "the outcome refused twice by the locked store");
            scanning.IsFaulted.ShouldBeFalse(scanning.Exception?.ToString());
            holder.Release();

            var scan = await scanning.WaitAsync(TimeSpan.FromSeconds(30), Ct);

            scan.Claimed.ShouldBeGreaterThanOrEqualTo(3, "every delivery of the batch was claimed and run");
            var after = await courier.Store.GetVideoAsync("scan", Ct);
            after!.Deliveries.ShouldNotContain(d => d.State == DeliveryState.InFlight, "nothing is left in flight under a live node");
            after.Deliveries.Count(d => d.State == DeliveryState.Delivered).ShouldBeGreaterThanOrEqualTo(2, "the rest of the batch ran");
            var settled = await courier.SettleAsync("scan", TimeSpan.FromSeconds(30));
            settled.Deliveries.ShouldAllBe(d => d.State == DeliveryState.Delivered);
            foreach (var name in renditions)
            {
                File.ReadAllBytes(Path.Combine(TestEnvironment.WebDavRoot, prefix, "scan", name, $"{name}.mp4"))
                    .ShouldBe(File.ReadAllBytes(Path.Combine(courier.SourceRoot, $"scan/{name}.mp4")));
            }
        }
        finally
        {
            if (Directory.Exists(Path.Combine(TestEnvironment.WebDavRoot, prefix)))
            {
                Directory.Delete(Path.Combine(TestEnvironment.WebDavRoot, prefix), recursive: true);
            }
        }
    }

    /// <summary>Store writes of a delivery's outcome (its files, then its state) refused and to be tried again.</summary>
    private static int StoreWritesRefused(CourierHarness courier) =>
        courier.Logs.Lines.Count(l => l.Contains("Could not write the ", StringComparison.Ordinal) && l.Contains(" to the store (try ", StringComparison.Ordinal));

    /// <summary>A second connection holding <c>BEGIN EXCLUSIVE</c> on the SQLite file, as another program could.</summary>
    private sealed class ExclusiveLock(string databasePath) : IAsyncDisposable
    {
        private readonly SqliteConnection _connection = new($"Data Source={databasePath};Pooling=False");

        public void Take()
        {
            _connection.Open();
            using var begin = _connection.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        public void Release()
        {
            using var commit = _connection.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    /// <summary>Takes the lock when the first push starts, so that push's outcome meets a locked store.</summary>
    private sealed class LockOnFirstStart(ExclusiveLock holder) : IDistributionObserver
    {
        private int _started;

        public void Started(ClaimedDelivery delivery, long totalBytes)
        {
            if (Interlocked.Increment(ref _started) == 1)
            {
                holder.Take();
            }
        }

        public void Progressed(ClaimedDelivery delivery, long bytes)
        {
        }

        public void Finished(DeliveryResult result)
        {
        }
    }
}
