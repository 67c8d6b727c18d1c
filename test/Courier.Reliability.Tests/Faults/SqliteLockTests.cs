using Courier.Core.Domain;
using Microsoft.Data.Sqlite;

namespace Courier.Reliability.Tests.Faults;

/// <summary>The SQLite file locked by someone else: Courier waits for it (busy timeout) instead of failing or half-writing.</summary>
public sealed class SqliteLockTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Distribution_waits_for_a_database_held_exclusively_elsewhere_and_then_completes()
    {
        var settings = CourierHarness.FastSettings();
        settings["Courier:Targets:archive:Kind"] = "filesystem";
        settings["Courier:Targets:archive:Root"] = "targets/archive";
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
}
