namespace Courier.Target.Compliance;

/// <summary>
/// An <see cref="IProgress{T}"/> for <c>ObjectPut.Activity</c> that counts the bytes reported, synchronously (unlike
/// <see cref="Progress{T}"/>), and can act once when the count first reaches a threshold — to pause or cancel a push midway.
/// </summary>
public sealed class ActivityMeter : IProgress<long>
{
    private readonly long _threshold;
    private readonly Action? _atThreshold;
    private long _bytes;
    private int _reports;
    private int _fired;

    /// <summary>A meter that only counts.</summary>
    public ActivityMeter()
        : this(long.MaxValue, null)
    {
    }

    /// <summary>A meter that runs <paramref name="atThreshold"/> once, on the thread reporting, when <paramref name="threshold"/> bytes have been reported.</summary>
    public ActivityMeter(long threshold, Action? atThreshold)
    {
        _threshold = threshold;
        _atThreshold = atThreshold;
    }

    /// <summary>Bytes reported so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>How many times progress was reported.</summary>
    public int Reports => Volatile.Read(ref _reports);

    /// <summary>True once the threshold action has run.</summary>
    public bool Fired => Volatile.Read(ref _fired) == 1;

    public void Report(long value)
    {
        var total = Interlocked.Add(ref _bytes, value);
        Interlocked.Increment(ref _reports);
        if (total >= _threshold && _atThreshold is not null && Interlocked.CompareExchange(ref _fired, 1, 0) == 0)
        {
            _atThreshold();
        }
    }
}
