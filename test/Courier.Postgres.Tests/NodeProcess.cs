using System.Diagnostics;
using System.Text;

namespace Courier.Postgres.Tests;

/// <summary>
/// One Courier node in a process of its own (<c>Courier.Postgres.Node</c>, built with the tests): the real scanner,
/// heartbeat and PostgreSQL store, pushing to a flaky target that records every push.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(string nodeId, Process process)
    {
        NodeId = nodeId;
        _process = process;
    }

    public string NodeId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What the node printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static NodeProcess Start(PostgresTestSchema db, string nodeId, string sourceRoot, string target, int pushMs, double failureRate, TimeSpan leaseTimeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerPath);
        foreach (var (name, value) in new[]
        {
            ("--connection", PostgresTestSchema.ServerConnectionString),
            ("--schema", db.Name),
            ("--node", nodeId),
            ("--source-root", sourceRoot),
            ("--target", target),
            ("--push-ms", pushMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--failure-rate", failureRate.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--lease-ms", ((int)leaseTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--max-seconds", "280"),
        })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        var process = new Process { StartInfo = start };
        var node = new NodeProcess(nodeId, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The worker's dll, next to this test project's output: <c>test/Courier.Postgres.Node/bin/{Configuration}/{tfm}/</c>.</summary>
    private static string WorkerPath
    {
        get
        {
            var path = AppContext.BaseDirectory.Replace("Courier.Postgres.Tests", "Courier.Postgres.Node", StringComparison.Ordinal);
            var dll = Path.Combine(path, "Courier.Postgres.Node.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the test node is not built at {dll}: build test/Courier.Postgres.Tests (it builds the node too)");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>kill -9: the node stops at once, mid-push, without releasing anything.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>A clean stop: closing its standard input makes the node finish its scan and release its work.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }
}
