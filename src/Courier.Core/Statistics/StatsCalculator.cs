using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Courier.Core.Targets;

namespace Courier.Core.Statistics;

/// <summary>Turns the store's raw figures into the statistics of the method: success rates per mode, target and region, and time to distributed.</summary>
public static class StatsCalculator
{
    /// <summary>Builds the report. Targets no longer configured still appear, with their name as region.</summary>
    public static StatsReport Build(StoreStatistics raw, TargetRegistry targets, TargetCircuits? circuits, DateTimeOffset now)
    {
        var names = raw.Attempts.Select(a => a.Target)
            .Concat(raw.Deliveries.Select(d => d.Target))
            .Concat(raw.Ingests.Select(i => i.Target))
            .Concat(targets.All.Select(t => t.Name))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        var perTarget = names.Select(name =>
        {
            var target = targets.Find(name);
            var attempts = raw.Attempts.Where(a => a.Target == name).ToList();
            var states = Count(raw.Deliveries.Where(d => d.Target == name));
            var health = circuits?.Health(name, now);
            var ingests = raw.Ingests.Where(i => i.Target == name).ToList();
            return new TargetStats(
                name,
                target?.Region ?? name,
                target?.Kind ?? "unknown",
                Mode(attempts, AttemptMode.Sync),
                Mode(attempts, AttemptMode.Async),
                Mode(attempts, AttemptMode.Manual),
                All(raw.RecentAttempts.Where(a => a.Target == name)),
                states,
                states.Queued,
                attempts.Sum(a => a.Bytes),
                health?.Down ?? false,
                health?.ConsecutiveFailures ?? 0,
                health?.LastError,
                ingests.Count == 0 ? null : new IngestStats(
                    Percentiles(ingests.Select(i => i.FirstRenditionSeconds).ToList()),
                    Percentiles(ingests.Where(i => i.AllRenditionsSeconds is not null).Select(i => i.AllRenditionsSeconds!.Value).ToList())));
        }).ToList();

        var regions = perTarget.GroupBy(t => t.Region, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var members = g.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var attempts = raw.Attempts.Where(a => members.Contains(a.Target)).ToList();
            return new RegionStats(g.Key, Mode(attempts, AttemptMode.Sync), Mode(attempts, AttemptMode.Async), Count(raw.Deliveries.Where(d => members.Contains(d.Target))));
        }).ToList();

        return new StatsReport(
            Mode(raw.Attempts, AttemptMode.Sync),
            Mode(raw.Attempts, AttemptMode.Async),
            Mode(raw.Attempts, AttemptMode.Manual),
            Count(raw.Deliveries),
            Percentiles(raw.SecondsToDistributed),
            perTarget,
            regions);
    }

    /// <summary>Nearest-rank percentiles (p50, p95) and the maximum.</summary>
    public static Percentiles Percentiles(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return new Percentiles(null, null, null, 0);
        }

        var sorted = samples.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(Round(Rank(0.50)), Round(Rank(0.95)), Round(sorted[^1]), sorted.Length);
    }

    private static ModeStats Mode(IEnumerable<AttemptTally> tallies, AttemptMode mode) => All(tallies.Where(t => t.Mode == mode));

    private static ModeStats All(IEnumerable<AttemptTally> tallies)
    {
        long succeeded = 0, failed = 0;
        foreach (var tally in tallies)
        {
            succeeded += tally.Succeeded;
            failed += tally.Failed;
        }

        var attempts = succeeded + failed;
        return new ModeStats(attempts, succeeded, failed, attempts == 0 ? null : Math.Round((double)succeeded / attempts, 4));
    }

    private static StateCounts Count(IEnumerable<StateTally> tallies)
    {
        var list = tallies.ToList();
        long Of(DeliveryState state) => list.Where(t => t.State == state).Sum(t => t.Count);
        return new StateCounts(Of(DeliveryState.Delivered), Of(DeliveryState.InFlight), Of(DeliveryState.Queued), Of(DeliveryState.Dead), Of(DeliveryState.Scheduled));
    }

    private static double Round(double value) => Math.Round(value, 3);
}
