using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Courier.Cli.Samples;

/// <summary>
/// A small sample video for the quick start: a single-file rendition <c>360p.mp4</c> and an HLS package <c>hls-1080p/</c>
/// (<c>index.m3u8</c> and its segments). Made with ffmpeg when it is on PATH, else deterministic synthetic bytes.
/// </summary>
internal static class SampleVideo
{
    public const int Segments = 6;
    private const int PacketSize = 188;

    /// <summary>Writes the sample into <paramref name="directory"/> (which must not exist yet). Returns how it was made.</summary>
    public static async Task<string> WriteAsync(string directory, bool synthetic, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(directory)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(directory)}.{Environment.ProcessId}.tmp");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(staging, "hls-1080p"));
        try
        {
            string how;
            if (!synthetic && FindOnPath("ffmpeg") is { } ffmpeg && await TryFfmpegAsync(ffmpeg, staging, cancellationToken).ConfigureAwait(false))
            {
                how = "a real clip made with ffmpeg";
            }
            else
            {
                WriteSynthetic(staging);
                how = synthetic
                    ? "synthetic bytes (--synthetic): the right layout, not a playable video"
                    : "synthetic bytes (ffmpeg is not on PATH): the right layout, not a playable video";
            }

            Directory.Move(staging, directory);
            return how;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Deterministic bytes: the same files, byte for byte, on every machine.</summary>
    internal static void WriteSynthetic(string directory)
    {
        var mp4 = new byte[512 * 1024];
        new Random(360).NextBytes(mp4);
        Encoding.ASCII.GetBytes("\0\0\0\u0018ftypisom\0\0\u0002\0isomiso2").CopyTo(mp4, 0);
        File.WriteAllBytes(Path.Combine(directory, "360p.mp4"), mp4);

        var playlist = new StringBuilder()
            .Append("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n");
        for (var i = 0; i < Segments; i++)
        {
            var segment = new byte[PacketSize * 1000];
            new Random(1080 + i).NextBytes(segment);
            for (var p = 0; p < segment.Length; p += PacketSize)
            {
                segment[p] = 0x47; // MPEG-TS sync byte at the start of every packet
            }

            var name = string.Create(CultureInfo.InvariantCulture, $"seg_{i:000}.ts");
            File.WriteAllBytes(Path.Combine(directory, "hls-1080p", name), segment);
            playlist.Append("#EXTINF:2.000,\n").Append(name).Append('\n');
        }

        playlist.Append("#EXT-X-ENDLIST\n");
        File.WriteAllText(Path.Combine(directory, "hls-1080p", "index.m3u8"), playlist.ToString());
    }

    private static async Task<bool> TryFfmpegAsync(string ffmpeg, string directory, CancellationToken cancellationToken)
    {
        const string Source = "-f lavfi -i testsrc=duration=6:size={0}:rate=25 -f lavfi -i sine=duration=6 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest";
        var small = await RunAsync(ffmpeg, $"-nostdin -y -loglevel error {string.Format(CultureInfo.InvariantCulture, Source, "640x360")} 360p.mp4", directory, cancellationToken).ConfigureAwait(false);
        var hls = small && await RunAsync(
            ffmpeg,
            $"-nostdin -y -loglevel error {string.Format(CultureInfo.InvariantCulture, Source, "1920x1080")} -g 25 -hls_time 1 -hls_playlist_type vod -hls_segment_filename hls-1080p/seg_%03d.ts hls-1080p/index.m3u8",
            directory,
            cancellationToken).ConfigureAwait(false);
        if (!hls)
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                File.Delete(file);
            }
        }

        return hls;
    }

    private static async Task<bool> RunAsync(string file, string arguments, string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start);
        if (process is null)
        {
            return false;
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(output, error).ConfigureAwait(false);
        return process.ExitCode == 0;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
