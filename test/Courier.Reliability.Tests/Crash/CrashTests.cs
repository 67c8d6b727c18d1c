using System.Collections.Concurrent;
using System.Text.Json;

namespace Courier.Reliability.Tests.Crash;

/// <summary>
/// SIGKILL at random moments: <c>courier distribute</c> (submitting, mid-upload, between upload and outcome) and
/// <c>courier serve</c> (while it takes the work over), 32 seeded runs. After restart every delivery ends delivered,
/// none is lost, and no file under its final name at a target is ever shorter than its source.
/// Set <c>COURIER_CRASH_SEED</c> to replay a run; <c>COURIER_CRASH_RUNS</c> to run more.
/// </summary>
public sealed class CrashTests
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public async Task Courier_killed_at_random_moments_loses_nothing_and_never_shows_a_half_written_file()
    {
        var firstSeed = int.TryParse(Environment.GetEnvironmentVariable("COURIER_CRASH_SEED"), out var s) ? s : 20261125;
        var runs = int.TryParse(Environment.GetEnvironmentVariable("COURIER_CRASH_RUNS"), out var r) ? r : 32;
        var outcomes = new ConcurrentBag<CrashOutcome>();
        var failures = new ConcurrentBag<string>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken };
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(firstSeed, runs), parallel, async (seed, _) =>
        {
            using var directory = new TempDirectory();
            try
            {
                var outcome = await new CrashRun(seed).RunAsync(directory);
                outcomes.Add(outcome);
                TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}: {e}");
            }
        });

        var all = outcomes.OrderBy(o => o.Seed).ToList();
        var summary = new
        {
            runs,
            firstSeed,
            seconds = Math.Round(started.Elapsed.TotalSeconds, 1),
            kills = all.Count(o => o.DistributeKilled) + all.Count(o => o.ServeKilled),
            distributeKills = all.Where(o => o.DistributeKilled).GroupBy(o => o.DistributeMoment).ToDictionary(g => g.Key, g => g.Count()),
            stateAfterDistributeKill = all.GroupBy(o => o.AfterDistributeKill).ToDictionary(g => g.Key, g => g.Count()),
            serveKills = all.Where(o => o.ServeKilled).GroupBy(o => o.ServeMoment).ToDictionary(g => g.Key, g => g.Count()),
            deliveries = all.Sum(o => o.Deliveries),
            delivered = all.Sum(o => o.Delivered),
            dead = all.Sum(o => o.Dead),
            finalNameChecks = all.Sum(o => o.WatcherChecks),
            violations = all.Sum(o => o.Violations.Count),
            leftoverTempFiles = all.Sum(o => o.LeftoverTempFiles),
            outcomes = all.Select(o => o.ToString()).ToList(),
        };
        var figures = Path.Combine(AppContext.BaseDirectory, "reliability-figures");
        Directory.CreateDirectory(figures);
        await File.WriteAllTextAsync(Path.Combine(figures, "crash.json"), JsonSerializer.Serialize(summary, Indented), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(JsonSerializer.Serialize(summary));

        failures.ShouldBeEmpty();
        all.Count.ShouldBe(runs);
        foreach (var outcome in all)
        {
            outcome.Violations.ShouldBeEmpty(outcome.ToString());
            outcome.Deliveries.ShouldBe(6, outcome.ToString());
            outcome.Delivered.ShouldBe(6, $"nothing lost, nothing dead without a fault: {outcome}; {string.Join("; ", outcome.DeadReasons)}");
            outcome.StatusExit.ShouldBe(0, outcome.ToString());
            outcome.StatusState.ShouldBe("distributed", outcome.ToString());
            outcome.BytesMatch.ShouldBeTrue(outcome.ToString());
        }

        (all.Count(o => o.DistributeKilled) + all.Count(o => o.ServeKilled)).ShouldBeGreaterThanOrEqualTo(30);
    }
}
