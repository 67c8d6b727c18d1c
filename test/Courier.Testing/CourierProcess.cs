using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Courier.Testing;

/// <summary>
/// The real, built <c>courier</c> run as a child process (<c>dotnet courier.dll …</c>) in its own working directory, with
/// stdin closed and stdout/stderr redirected (so, never a terminal), inherited <c>Courier__*</c> settings removed and
/// environment overrides applied. Output is collected as it comes; the process can be waited for (bounded), signalled,
/// stopped cleanly (SIGTERM) or SIGKILLed.
/// </summary>
public sealed class CourierProcess : IDisposable, IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IReadOnlyList<string> _arguments;

    private CourierProcess(Process process, IReadOnlyList<string> arguments)
    {
        _process = process;
        _arguments = arguments;
    }

    /// <summary>
    /// The path of the built courier.dll: next to the tests when the test project references the CLI, else where the test
    /// assembly's <c>CourierDll</c> metadata says.
    /// </summary>
    public static string Dll { get; } = FindDll();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>What the process wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>courier</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static CourierProcess Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var arguments = args.ToList();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Courier__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var courier = new CourierProcess(process, arguments);
        process.OutputDataReceived += (_, e) => courier.Append(courier._stdout, courier._stdoutClosed, e.Data);
        process.ErrorDataReceived += (_, e) => courier.Append(courier._stderr, courier._stderrClosed, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return courier;
    }

    /// <summary>Runs <c>courier</c> to its end (bounded by <paramref name="timeout"/>, default 60 s).</summary>
    public static async Task<CourierResult> RunAsync(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var process = Start(workingDirectory, args, environment);
        return await process.WaitAsync(timeout ?? TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <summary>Waits for the process to end and its output to be read; kills it and fails the test when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<CourierResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"courier {string.Join(' ', _arguments)} did not end within {timeout.TotalSeconds:0} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        }

        return new CourierResult(_process.ExitCode, Stdout, Stderr, _arguments);
    }

    /// <summary>Sends a signal with <c>/bin/kill</c> (TERM, INT, KILL).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot run /bin/kill");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"/bin/kill -{signal} {_process.Id} failed with {kill.ExitCode}");
        }
    }

    /// <summary>SIGTERM: a clean shutdown.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder buffer, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }
    }

    private static string FindDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "courier.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        var path = Assembly.GetEntryAssembly()?.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "CourierDll")?.Value;
        if (path is null || !File.Exists(path))
        {
            throw new InvalidOperationException($"the built courier is not at {path ?? beside}: build src/Courier.Cli first (building the test project builds it)");
        }

        return path;
    }
}
