using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Courier.Testing;

/// <summary>
/// A PostgreSQL cluster of a test's own (initdb into a temp directory, run as the <c>postgres</c> user on a free loopback
/// port, as <c>.ci/services</c> starts the shared one), for tests that stop and restart the database under a running
/// Courier: the shared test PostgreSQL must never be restarted, since everything else runs against it at the same time.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly string _bin;
    private readonly string _directory;

    private PrivatePostgres(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string as a user would write it: host, port, user, nothing tuned for the test.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres";

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Creates the cluster and starts it (fsync off: a test's throwaway data).</summary>
    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var major) ? major : 0)
            .LastOrDefault() ?? throw new InvalidOperationException("no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)");
        var directory = Directory.CreateTempSubdirectory("courier-pg-").FullName;
        await RunAsync("chown", ["postgres:", directory]).ConfigureAwait(false);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var cluster = new PrivatePostgres(bin, directory, port);
        await cluster.PgAsync("initdb", "-D", cluster.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8").ConfigureAwait(false);
        await cluster.StartAgainAsync().ConfigureAwait(false);
        return cluster;
    }

    /// <summary>Stops the server at once, as a crash or a failover does: no shutdown checkpoint, every connection cut.</summary>
    public Task StopImmediatelyAsync() => PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    /// <summary>Starts the server (again), and returns once it accepts connections.</summary>
    public Task StartAgainAsync() => PgAsync(
        "pg_ctl",
        "-D",
        Data,
        "-l",
        Path.Combine(_directory, "log"),
        "-w",
        "-o",
        $"-c listen_addresses=127.0.0.1 -p {Port} -k {_directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        "start");

    /// <summary>The server's log, for failure messages.</summary>
    public string Log => File.Exists(Path.Combine(_directory, "log")) ? File.ReadAllText(Path.Combine(_directory, "log")) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopImmediatelyAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Task PgAsync(string tool, params string[] args) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args]);

    private static async Task RunAsync(string file, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {CommandTimeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }
}
