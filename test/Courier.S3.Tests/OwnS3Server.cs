using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Courier.S3.Tests;

/// <summary>
/// An s3rver process of the test's own, on a free loopback port with a temp directory, for tests that stop the server
/// (the shared one on 127.0.0.1:14568 is never touched). s3rver is found by walking up from the test's directory to the
/// folder that holds <c>.ci/s3/node_modules/.bin/s3rver</c>.
/// </summary>
public sealed class OwnS3Server : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private readonly string _bucket;
    private Process? _process;

    private OwnS3Server(string directory, int port, string bucket)
    {
        Directory = directory;
        Port = port;
        _bucket = bucket;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Starts s3rver with <paramref name="bucket"/> configured and waits (bounded) until it answers.</summary>
    public static async Task<OwnS3Server> StartAsync(string bucket)
    {
        var directory = Path.Combine(Path.GetTempPath(), "courier-s3rver", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var server = new OwnS3Server(directory, FreePort(), bucket);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the process again on the same port and directory (after <see cref="Kill"/>).</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { FindS3rver(), "-d", Directory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", _bucket, "-s" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartLimit)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited at start with code {_process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException)
            {
                // Polling a condition (the port answers), bounded by StartLimit.
                await Task.Delay(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
            }
        }

        throw new TimeoutException($"s3rver did not listen on port {Port} within {StartLimit}");
    }

    /// <summary>Kills the server at once (as a crash or a pulled plug would).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindS3rver()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, ".ci", "s3", "node_modules", ".bin", "s3rver");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no .ci/s3/node_modules/.bin/s3rver above {AppContext.BaseDirectory}: run `.ci/services start` (it installs s3rver)");
    }
}
