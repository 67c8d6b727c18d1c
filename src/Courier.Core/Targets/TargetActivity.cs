namespace Courier.Core.Targets;

/// <summary>
/// Activity reports that are not bytes sent. A target reports every chunk it moves to <see cref="ObjectPut.Activity"/>
/// (or a stat's activity); reading an object back and hashing are progress too (they keep a stall watchdog quiet) but not
/// bytes sent, so they report 0.
/// </summary>
public static class TargetActivity
{
    /// <summary>Passes activity on to <paramref name="activity"/> as 0 bytes; null stays null.</summary>
    public static IProgress<long>? WithoutBytes(IProgress<long>? activity) => activity is null ? null : new ActivityWithoutBytes(activity);

    private sealed class ActivityWithoutBytes(IProgress<long> inner) : IProgress<long>
    {
        public void Report(long value) => inner.Report(0);
    }
}
