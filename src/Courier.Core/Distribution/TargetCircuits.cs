using System.Collections.Concurrent;
using Courier.Core.Configuration;

namespace Courier.Core.Distribution;

/// <summary>
/// Per-target circuits. A target with <c>FailureThreshold</c> consecutive transient failures is marked down for
/// <c>BreakDuration</c> (doubling while it stays down, capped at the max retry delay): meanwhile its deliveries are
/// queued at once, without using up attempts. Meanwhile it is probed, first <see cref="FirstProbeDelay"/> after it went
/// down, then with the wait doubling up to <see cref="MaxProbeDelay"/> (or <c>BreakDuration</c> when shorter), so a
/// target that is back is found within about a second, not after the break, and its backlog starts draining at once; a
/// probe is one small request, cheap beside the backlog it unblocks. After the break a push tests it too. A success closes the circuit and reports the target as recovered, so
/// its queue is drained at once.
/// </summary>
public sealed class TargetCircuits
{
    /// <summary>The wait before the first probe of a target marked down (at most <c>BreakDuration</c>).</summary>
    public static readonly TimeSpan FirstProbeDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two probes of a target marked down (at most <c>BreakDuration</c>).</summary>
    public static readonly TimeSpan MaxProbeDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);
    private readonly CircuitOptions _options;
    private readonly TimeSpan _maxBreak;

    public TargetCircuits(CircuitOptions options, TimeSpan maxBreak)
    {
        _options = options;
        _maxBreak = maxBreak < options.BreakDuration ? options.BreakDuration : maxBreak;
    }

    /// <summary>Until when <paramref name="target"/> is marked down, or null when it is not.</summary>
    public DateTimeOffset? DownUntil(string target, DateTimeOffset now)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return null;
        }

        lock (circuit)
        {
            return circuit.OpenUntil is { } until && until > now ? until : null;
        }
    }

    /// <summary>The targets marked down at <paramref name="now"/>.</summary>
    public IReadOnlyCollection<string> DownTargets(DateTimeOffset now) =>
        _circuits.Keys.Where(t => DownUntil(t, now) is not null).ToList();

    /// <summary>Targets marked down whose next probe is due (or whose break is over without a success yet): time to probe.</summary>
    public IReadOnlyCollection<string> DueForProbe(DateTimeOffset now) =>
        _circuits.Where(pair =>
        {
            lock (pair.Value)
            {
                return pair.Value.OpenUntil is { } until && (until <= now || pair.Value.NextProbeAt <= now);
            }
        }).Select(pair => pair.Key).ToList();

    /// <summary>A probe of a target marked down failed: the next one waits twice as long, up to <see cref="MaxProbeDelay"/>.</summary>
    public void RecordProbeFailure(string target, string error, DateTimeOffset now)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        lock (circuit)
        {
            circuit.LastError = error;
            if (circuit.OpenUntil is { } until && until > now)
            {
                circuit.ProbeDelay = NextProbeDelay(circuit.ProbeDelay);
                circuit.NextProbeAt = now + circuit.ProbeDelay < until ? now + circuit.ProbeDelay : until;
                return;
            }
        }

        // The break is over (or the circuit was closed): an ordinary failure, which may mark it down again.
        RecordFailure(target, error, now);
    }

    /// <summary>Records a success; returns true when the target had been marked down (it recovered).</summary>
    public bool RecordSuccess(string target)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        lock (circuit)
        {
            var wasDown = circuit.OpenUntil is not null;
            circuit.ConsecutiveFailures = 0;
            circuit.OpenUntil = null;
            circuit.Breaks = 0;
            circuit.ProbeDelay = TimeSpan.Zero;
            circuit.NextProbeAt = DateTimeOffset.MaxValue;
            return wasDown;
        }
    }

    /// <summary>Records a transient failure; returns true when this failure marked the target down.</summary>
    public bool RecordFailure(string target, string error, DateTimeOffset now)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        lock (circuit)
        {
            circuit.ConsecutiveFailures++;
            circuit.LastError = error;
            var halfOpen = circuit.OpenUntil is { } until && until <= now;
            if (circuit.ConsecutiveFailures < _options.FailureThreshold && !halfOpen)
            {
                return false;
            }

            if (circuit.OpenUntil is { } current && current > now)
            {
                return false;
            }

            var breakTicks = _options.BreakDuration.Ticks * Math.Pow(2, Math.Min(circuit.Breaks, 20));
            circuit.OpenUntil = now + TimeSpan.FromTicks((long)Math.Min(breakTicks, _maxBreak.Ticks));
            circuit.Breaks++;
            circuit.ProbeDelay = NextProbeDelay(circuit.ProbeDelay);
            circuit.NextProbeAt = now + circuit.ProbeDelay;
            return true;
        }
    }

    /// <summary>
    /// Marks <paramref name="target"/> down until <paramref name="until"/> on what another process found (shared through the
    /// store) and this one confirmed with a failed probe of its own; it is probed from then on as if it had gone down here.
    /// Nothing changes when it is already marked down here.
    /// </summary>
    public void Adopt(string target, DateTimeOffset until, string error, DateTimeOffset now)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        lock (circuit)
        {
            if (circuit.OpenUntil is { } current && current > now)
            {
                return;
            }

            circuit.LastError = error;
            circuit.OpenUntil = until > now ? until : now + _options.BreakDuration;
            circuit.Breaks = Math.Max(circuit.Breaks, 1);
            circuit.ProbeDelay = NextProbeDelay(TimeSpan.Zero);
            circuit.NextProbeAt = now + circuit.ProbeDelay;
        }
    }

    /// <summary>When <paramref name="target"/>, marked down, is probed next (null when it is not marked down).</summary>
    public DateTimeOffset? NextProbeAt(string target, DateTimeOffset now)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return null;
        }

        lock (circuit)
        {
            return circuit.OpenUntil is { } until && until > now ? (circuit.NextProbeAt < until ? circuit.NextProbeAt : until) : null;
        }
    }

    /// <summary>The wait after <paramref name="previous"/> (zero: none yet): <see cref="FirstProbeDelay"/>, then doubling up to the cap.</summary>
    private TimeSpan NextProbeDelay(TimeSpan previous)
    {
        var cap = MaxProbeDelay < _options.BreakDuration ? MaxProbeDelay : _options.BreakDuration;
        var next = previous == TimeSpan.Zero ? FirstProbeDelay : previous * 2;
        return next < cap ? next : cap;
    }

    /// <summary>The circuit's state for health displays.</summary>
    public TargetHealth Health(string target, DateTimeOffset now)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return new TargetHealth(target, false, null, 0, null);
        }

        lock (circuit)
        {
            var down = circuit.OpenUntil is { } until && until > now;
            return new TargetHealth(target, down, down ? circuit.OpenUntil : null, circuit.ConsecutiveFailures, circuit.LastError);
        }
    }

    private sealed class Circuit
    {
        public int ConsecutiveFailures { get; set; }

        public DateTimeOffset? OpenUntil { get; set; }

        public int Breaks { get; set; }

        public TimeSpan ProbeDelay { get; set; }

        public DateTimeOffset NextProbeAt { get; set; } = DateTimeOffset.MaxValue;

        public string? LastError { get; set; }
    }
}

/// <summary>A target's circuit as health displays show it.</summary>
public sealed record TargetHealth(string Target, bool Down, DateTimeOffset? DownUntil, int ConsecutiveFailures, string? LastError);
