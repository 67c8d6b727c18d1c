using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Tests;

public sealed class StatsCalculatorTests
{
    [Fact]
    public void Percentiles_use_nearest_rank()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).ToList();

        StatsCalculator.Percentiles(samples).ShouldBe(new Percentiles(50, 95, 100, 100));
    }

    [Fact]
    public void No_samples_give_no_percentiles()
    {
        StatsCalculator.Percentiles([]).ShouldBe(new Percentiles(null, null, null, 0));
    }

    [Fact]
    public void Ingest_times_are_per_target_and_all_renditions_counts_only_ingests_available_there()
    {
        var raw = new StoreStatistics([], [], [], [])
        {
            Ingests =
            [
                new IngestSample("archive", 4, 20),
                new IngestSample("archive", 6, null),
                new IngestSample("archive", 2, 10),
                new IngestSample("mobile", 3, 12),
            ],
        };

        var report = StatsCalculator.Build(raw, new TargetRegistry([]), null, DateTimeOffset.UnixEpoch);

        var archive = report.Targets.Single(t => t.Name == "archive").Ingest.ShouldNotBeNull();
        archive.FirstRenditionSeconds.ShouldBe(new Percentiles(4, 6, 6, 3));
        archive.AllRenditionsSeconds.ShouldBe(new Percentiles(10, 20, 20, 2));
        report.Targets.Single(t => t.Name == "mobile").Ingest.ShouldBe(new IngestStats(new Percentiles(3, 3, 3, 1), new Percentiles(12, 12, 12, 1)));
    }

    [Fact]
    public void A_target_no_ingest_reached_has_no_ingest_times()
    {
        var raw = new StoreStatistics([], [], [new StateTally("archive", DeliveryState.Delivered, 1)], []);

        StatsCalculator.Build(raw, new TargetRegistry([]), null, DateTimeOffset.UnixEpoch).Targets.Single().Ingest.ShouldBeNull();
    }

    [Fact]
    public void Success_rates_are_per_mode_target_and_region()
    {
        var raw = new StoreStatistics(
            [
                new AttemptTally(AttemptMode.Sync, "cdn-north", 9, 1, 900),
                new AttemptTally(AttemptMode.Sync, "cdn-south", 18, 2, 1800),
                new AttemptTally(AttemptMode.Async, "cdn-south", 3, 2, 300),
            ],
            [],
            [
                new StateTally("cdn-north", DeliveryState.Delivered, 9),
                new StateTally("cdn-south", DeliveryState.Delivered, 19),
                new StateTally("cdn-south", DeliveryState.Queued, 1),
                new StateTally("cdn-south", DeliveryState.Dead, 1),
            ],
            [1.2, 31.0, 95.4]);

        var report = StatsCalculator.Build(raw, new TargetRegistry([]), null, DateTimeOffset.UnixEpoch);

        report.Sync.ShouldBe(new ModeStats(30, 27, 3, 0.9));
        report.Async.ShouldBe(new ModeStats(5, 3, 2, 0.6));
        report.Manual.ShouldBe(new ModeStats(0, 0, 0, null));
        report.Deliveries.ShouldBe(new StateCounts(28, 0, 1, 1));
        report.TimeToDistributedSeconds.ShouldBe(new Percentiles(31.0, 95.4, 95.4, 3));
        var south = report.Targets.Single(t => t.Name == "cdn-south");
        south.QueueDepth.ShouldBe(1);
        south.BytesPushed.ShouldBe(2100);
        south.Async.SuccessRate.ShouldBe(0.6);
    }

    [Fact]
    public void Stats_serialise_with_the_documented_names()
    {
        var report = StatsCalculator.Build(new StoreStatistics([], [], [new StateTally("a", DeliveryState.InFlight, 2)], []), new TargetRegistry([]), null, DateTimeOffset.UnixEpoch);

        var json = System.Text.Json.JsonSerializer.Serialize(report, CourierJson.Options);

        json.ShouldContain("\"deliveries\":{\"delivered\":0,\"in_flight\":2,\"queued\":0,\"dead\":0,\"scheduled\":0}");
        json.ShouldContain("\"sync\":{\"attempts\":0,\"succeeded\":0,\"failed\":0,\"successRate\":null}");
        json.ShouldContain("\"timeToDistributedSeconds\":{\"p50\":null");
    }
}
