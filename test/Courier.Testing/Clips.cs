using System.Diagnostics;
using System.Globalization;

namespace Courier.Testing;

/// <summary>Short videos made by the real ffmpeg for ingest tests (testsrc picture, a sine tone), small and quick to encode.</summary>
public static class Clips
{
    /// <summary>
    /// Writes an H.264 + AAC MP4 of <paramref name="width"/>×<paramref name="height"/> lasting <paramref name="seconds"/> to
    /// <paramref name="path"/> (ultrafast preset) and returns the path. The index (moov) is at the end, as ffmpeg writes it
    /// by default, so cutting the file short leaves a file no tool can read.
    /// </summary>
    public static async Task<string> GenerateAsync(string path, int width, int height, double seconds)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var duration = seconds.ToString("0.###", CultureInfo.InvariantCulture);
        await RunAsync(
            "ffmpeg",
            [
                "-hide_banner", "-nostdin", "-y", "-v", "error",
                "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=25:duration={duration}",
                "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={duration}",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
            ]).ConfigureAwait(false);
        return path;
    }

    /// <summary>Copies the first half of <paramref name="source"/> to <paramref name="path"/>: an upload cut off halfway.</summary>
    public static string Truncate(string source, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var from = File.OpenRead(source);
        using var to = File.Create(path);
        var half = new byte[from.Length / 2];
        from.ReadExactly(half);
        to.Write(half);
        return path;
    }

    /// <summary>Runs a tool (ffmpeg, ffprobe) to its end (bounded: 120 s); returns stdout, throws with stderr when it fails.</summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', start.ArgumentList)} did not end within 120 s");
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', start.ArgumentList)} failed with exit code {process.ExitCode}: {errors}");
        }

        return output;
    }
}
