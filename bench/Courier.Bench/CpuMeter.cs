using System.Diagnostics;
using System.Globalization;

namespace Courier.Bench;

/// <summary>
/// CPU used from <see cref="Start"/> on by this process (Courier, with SQLite in it when that is the store) and by a
/// server on this machine (<see cref="ServerCpu"/>: PostgreSQL, nginx; null when it is not local), per item of work; and
/// the cores the host took from this machine meanwhile (steal time in <c>/proc/stat</c>), which slows whatever is timed.
/// </summary>
internal sealed class CpuMeter
{
    private readonly TimeSpan _here;
    private readonly ServerCpu? _server;
    private readonly TimeSpan? _serverAtStart;
    private readonly long? _stealAtStart;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();

    private CpuMeter(ServerCpu? server)
    {
        _here = Process.GetCurrentProcess().TotalProcessorTime;
        _server = server;
        _serverAtStart = server?.Used();
        _stealAtStart = StealTicks();
    }

    public static CpuMeter Start(ServerCpu? server) => new(server);

    /// <summary>Microseconds of CPU per item since <see cref="Start"/>: in this process, and in the server (null without one).</summary>
    public (double Here, double? Server) PerItem(int items) =>
        ((Process.GetCurrentProcess().TotalProcessorTime - _here).TotalMicroseconds / items,
         (_server?.Used() - _serverAtStart)?.TotalMicroseconds / items);

    /// <summary>The cores the host took as steal since <see cref="Start"/>, on average (null where <c>/proc/stat</c> cannot be read).</summary>
    public double? StealCores() =>
        StealTicks() - _stealAtStart is { } ticks ? ticks / ServerCpu.TicksPerSecond / _elapsed.Elapsed.TotalSeconds : null;

    /// <summary>The machine's steal time so far: the eighth field of the <c>cpu</c> line of <c>/proc/stat</c>.</summary>
    private static long? StealTicks()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 8 } && fields[0] == "cpu" ? long.Parse(fields[8], CultureInfo.InvariantCulture) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
