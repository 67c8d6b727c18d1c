using System.Diagnostics;

namespace Courier.Bench;

/// <summary>
/// CPU used from <see cref="Start"/> on by this process (Courier, with SQLite in it when that is the store) and by a
/// server on this machine (<see cref="ServerCpu"/>: PostgreSQL, nginx; null when it is not local), per item of work.
/// </summary>
internal sealed class CpuMeter
{
    private readonly TimeSpan _here;
    private readonly ServerCpu? _server;
    private readonly TimeSpan? _serverAtStart;

    private CpuMeter(ServerCpu? server)
    {
        _here = Process.GetCurrentProcess().TotalProcessorTime;
        _server = server;
        _serverAtStart = server?.Used();
    }

    public static CpuMeter Start(ServerCpu? server) => new(server);

    /// <summary>Microseconds of CPU per item since <see cref="Start"/>: in this process, and in the server (null without one).</summary>
    public (double Here, double? Server) PerItem(int items) =>
        ((Process.GetCurrentProcess().TotalProcessorTime - _here).TotalMicroseconds / items,
         (_server?.Used() - _serverAtStart)?.TotalMicroseconds / items);
}
