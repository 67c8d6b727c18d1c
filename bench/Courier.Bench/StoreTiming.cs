using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Courier.Core.Storage;

namespace Courier.Bench;

/// <summary>
/// A stopwatch breakdown of the store port (<c>--profile</c>): wraps an <see cref="IDeliveryStore"/> and adds up, per
/// method, the calls and the time until each call's task completed, so a benchmark can say where a delivery's time goes.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time
internal class StoreTiming : DispatchProxy
#pragma warning restore CA1852
{
    private IDeliveryStore _inner = null!;

    public ConcurrentDictionary<string, (long Calls, long Ticks)> Methods { get; } = new(StringComparer.Ordinal);

    public static (IDeliveryStore Store, StoreTiming Timing) Wrap(IDeliveryStore inner)
    {
        var store = Create<IDeliveryStore, StoreTiming>();
        var timing = (StoreTiming)(object)store;
        timing._inner = inner;
        return (store, timing);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }

        if (result is Task task)
        {
            _ = task.ContinueWith(_ => Add(targetMethod.Name, started), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            Add(targetMethod.Name, started);
        }

        return result;
    }

    private void Add(string method, long started)
    {
        var ticks = Stopwatch.GetTimestamp() - started;
        Methods.AddOrUpdate(method, (1, ticks), (_, sum) => (sum.Calls + 1, sum.Ticks + ticks));
    }

    /// <summary>One line per method: calls per delivery and mean milliseconds per call, and the share of the wall time.</summary>
    public void Print(TextWriter output, int deliveries, TimeSpan wall)
    {
        foreach (var (method, (calls, ticks)) in Methods.OrderByDescending(m => m.Value.Ticks))
        {
            var total = TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
            output.WriteLine($"     {method,-24} {(double)calls / deliveries,6:0.00} calls/delivery  {total.TotalMilliseconds / calls,7:0.000} ms/call  {total / wall,6:P0} of wall time (summed over workers)");
        }
    }
}
