using System.Globalization;
using Npgsql;

namespace Courier.Bench;

/// <summary>
/// CPU time used by a server on this machine, read from <c>/proc</c>: its main process, every live child (a PostgreSQL
/// backend, an nginx worker), and (the main process's children's time) every child that has exited. Null where the
/// server is not local or <c>/proc</c> cannot be read. Other clients of the same server count too: measure on an
/// otherwise idle server.
/// </summary>
internal sealed class ServerCpu
{
    /// <summary>Linux reports process times (<c>/proc/PID/stat</c>) and the machine's (<c>/proc/stat</c>) in USER_HZ ticks, 100 per second.</summary>
    internal const double TicksPerSecond = 100;

    private readonly int _main;

    private ServerCpu(int main) => _main = main;

    public static async Task<ServerCpu?> FindAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT pg_backend_pid()");
        var backend = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        return Stat(backend) is { } stat ? new ServerCpu(stat.Parent) : null;
    }

    /// <summary>
    /// The server whose main process runs <paramref name="command"/> (as <c>/proc/PID/comm</c> names it) and whose parent
    /// does not (nginx's master, not a worker); null when there is none, or more than one (which one would be a guess).
    /// </summary>
    public static ServerCpu? FindByName(string command)
    {
        var mains = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Command(pid) == command && Stat(pid) is { } stat && Command(stat.Parent) != command)
            {
                mains.Add(pid);
            }
        }

        return mains.Count == 1 ? new ServerCpu(mains[0]) : null;
    }

    /// <summary>The server's CPU time so far.</summary>
    public TimeSpan Used()
    {
        var ticks = 0L;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } stat)
            {
                if (pid == _main)
                {
                    ticks += stat.Own + stat.Children;
                }
                else if (stat.Parent == _main)
                {
                    ticks += stat.Own;
                }
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (int Parent, long Own, long Children)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) in parentheses: state, ppid, ..., utime (14), stime,
            // cutime, cstime (17), counted from 1 at the pid.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
