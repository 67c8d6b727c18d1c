namespace Courier.Bench;

/// <summary>
/// The wait between a benchmark's warm-up and its first timed run. After a warm-up the runtime goes on compiling the
/// warm-up's hot methods again, optimised (tiered compilation), on a thread of its own for seconds: in the <c>drain</c>
/// benchmark 2,111 methods over 3 s. That CPU is counted in this process and its time taken from the 2 cores, so it
/// would land on whatever is timed first (it made the first package there cost twice the CPU per file of the later ones).
/// </summary>
internal static class JitSettle
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(20);

    /// <summary>Waits until the JIT has compiled no method for half a second (at most 20 s), and says how long that took.</summary>
    public static async Task WaitAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var before = System.Runtime.JitInfo.GetCompiledMethodCount();
        var last = before;
        while (waited.Elapsed < Longest)
        {
            await Task.Delay(Quiet, cancellationToken);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == last)
            {
                break;
            }

            last = now;
        }

        output.WriteLine($"   (after the warm-up the JIT compiled {last - before} more methods in {waited.Elapsed.TotalSeconds:0.0} s before the timed runs)");
    }
}
