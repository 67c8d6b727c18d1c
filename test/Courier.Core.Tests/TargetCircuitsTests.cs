using Courier.Core.Configuration;
using Courier.Core.Distribution;

namespace Courier.Core.Tests;

public sealed class TargetCircuitsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static TargetCircuits Circuits() =>
        new(new CircuitOptions { FailureThreshold = 3, BreakDuration = TimeSpan.FromSeconds(30) }, TimeSpan.FromHours(1));

    [Fact]
    public void Target_is_marked_down_after_consecutive_failures()
    {
        var circuits = Circuits();
        circuits.RecordFailure("cdn", "503", Now).ShouldBeFalse();
        circuits.RecordFailure("cdn", "503", Now).ShouldBeFalse();
        circuits.DownUntil("cdn", Now).ShouldBeNull();

        circuits.RecordFailure("cdn", "503", Now).ShouldBeTrue();

        circuits.DownUntil("cdn", Now).ShouldBe(Now.AddSeconds(30));
        circuits.DownTargets(Now).ShouldBe(["cdn"]);
        circuits.Health("cdn", Now).ShouldBe(new TargetHealth("cdn", true, Now.AddSeconds(30), 3, "503"));
    }

    [Fact]
    public void A_success_between_failures_resets_the_count()
    {
        var circuits = Circuits();
        circuits.RecordFailure("cdn", "503", Now);
        circuits.RecordFailure("cdn", "503", Now);
        circuits.RecordSuccess("cdn").ShouldBeFalse();

        circuits.RecordFailure("cdn", "503", Now).ShouldBeFalse();
    }

    [Fact]
    public void A_down_target_is_probed_from_half_a_second_on_then_every_second_and_a_success_reports_recovery()
    {
        var circuits = Circuits();
        for (var i = 0; i < 3; i++)
        {
            circuits.RecordFailure("cdn", "503", Now);
        }

        circuits.DueForProbe(Now.AddMilliseconds(499)).ShouldBeEmpty();
        circuits.DueForProbe(Now.AddMilliseconds(500)).ShouldBe(["cdn"], "the first probe comes half a second after the target went down, not after the 30 s break");

        // Each failed probe doubles the wait, up to a second: a target that is back is found within about a second
        // however long it was down, so its backlog waits no longer than that.
        var at = Now.AddMilliseconds(500);
        foreach (var wait in new[] { 1, 1, 1, 1 })
        {
            circuits.RecordProbeFailure("cdn", "still 503", at);
            circuits.DueForProbe(at.AddSeconds(wait).AddMilliseconds(-1)).ShouldBeEmpty();
            at = at.AddSeconds(wait);
            circuits.DueForProbe(at).ShouldBe(["cdn"], $"probed again {wait} s later");
        }

        circuits.RecordSuccess("cdn").ShouldBeTrue();

        circuits.DownUntil("cdn", Now.AddSeconds(2)).ShouldBeNull();
        circuits.DueForProbe(at).ShouldBeEmpty();
    }

    [Fact]
    public void A_failed_probe_marks_it_down_again_for_twice_as_long()
    {
        var circuits = Circuits();
        for (var i = 0; i < 3; i++)
        {
            circuits.RecordFailure("cdn", "503", Now);
        }

        var later = Now.AddSeconds(30);
        circuits.RecordFailure("cdn", "still 503", later).ShouldBeTrue();

        circuits.DownUntil("cdn", later).ShouldBe(later.AddSeconds(60));
    }

    [Fact]
    public void Other_targets_are_not_affected()
    {
        var circuits = Circuits();
        for (var i = 0; i < 3; i++)
        {
            circuits.RecordFailure("cdn-south", "503", Now);
        }

        circuits.DownUntil("cdn-north", Now).ShouldBeNull();
    }
}
