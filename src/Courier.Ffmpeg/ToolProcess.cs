using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Courier.Core.Ingest;

namespace Courier.Ffmpeg;

/// <summary>
/// Runs one of the tools (ffmpeg, ffprobe) to its end: arguments passed as a list (never through a shell), stdin closed,
/// stdout handed over line by line, the last lines of stderr kept for the error message. Cancelling kills the process.
/// A tool that cannot be started is <see cref="TranscoderUnavailableException"/>, naming the package to install.
/// </summary>
internal static class ToolProcess
{
    private const int StderrLinesKept = 12;

    /// <summary>How a tool ended: its exit code and the last lines it wrote to stderr.</summary>
    public sealed record Outcome(int ExitCode, IReadOnlyList<string> StderrTail)
    {
        /// <summary>The last non-empty stderr line, or a note that there was none.</summary>
        public string LastError => StderrTail.LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? $"exit code {ExitCode}, nothing on stderr";
    }

    public static async Task<Outcome> RunAsync(string executable, IEnumerable<string> arguments, Action<string> onStdoutLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new TranscoderUnavailableException($"cannot run {executable}: {e.Message}; install {FfmpegDefaults.Package}, or set Courier:Ingest:Ffmpeg:Path and ProbePath", e);
        }

        process.StandardInput.Close();
        var tail = new Queue<string>();
        var stdout = PumpAsync(process.StandardOutput, onStdoutLine);
        var stderr = PumpAsync(process.StandardError, line =>
        {
            tail.Enqueue(line);
            if (tail.Count > StderrLinesKept)
            {
                tail.Dequeue();
            }
        });
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new Outcome(process.ExitCode, [.. tail]);
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
