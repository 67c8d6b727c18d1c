using System.Globalization;
using System.Text;
using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Ingest;

namespace Courier.Ffmpeg;

/// <summary>
/// The transcoder port on ffmpeg and ffprobe: ffprobe reads the source (JSON), ffmpeg encodes each rung to H.264 (High
/// profile, the rung's level) and AAC-LC in HLS segments with a key frame at every segment boundary, and reports its
/// progress on <c>-progress pipe:1</c>.
/// </summary>
internal sealed class FfmpegTranscoder : ITranscoder
{
    /// <summary>Containers ffprobe reads that are not videos: text shown as ANSI art, and still images.</summary>
    private static readonly string[] NotVideoFormats = ["tty", "image2", "lrc", "srt", "webvtt", "ass"];

    private readonly FfmpegOptions _options;

    public FfmpegTranscoder(FfmpegOptions options)
    {
        _options = options;
    }

    public async Task<SourceProbe> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var name = Names.Printable(Path.GetFileName(path));
        var json = new StringBuilder();
        var outcome = await ToolProcess.RunAsync(
            _options.ProbePath,
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path],
            line => json.Append(line).Append('\n'),
            cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw new BadInputException("source", $"'{name}' is not a video Courier can read ({Trimmed(outcome.LastError, path)})");
        }

        using var document = ParseJson(json.ToString(), name);
        var root = document.RootElement;
        var format = root.TryGetProperty("format", out var f) ? f : default;
        var formatName = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("format_name", out var fn) ? fn.GetString() ?? string.Empty : string.Empty;
        if (NotVideoFormats.Contains(formatName) || formatName.EndsWith("_pipe", StringComparison.Ordinal))
        {
            throw new BadInputException("source", $"'{name}' is not a video (ffprobe reads it as {formatName})");
        }

        JsonElement? video = null;
        var hasAudio = false;
        if (root.TryGetProperty("streams", out var streams) && streams.ValueKind == JsonValueKind.Array)
        {
            foreach (var stream in streams.EnumerateArray())
            {
                var type = stream.TryGetProperty("codec_type", out var t) ? t.GetString() : null;
                var stillPicture = stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var pic) && pic.ValueKind == JsonValueKind.Number && pic.GetInt32() == 1;
                if (type == "video" && !stillPicture && video is null)
                {
                    video = stream;
                }
                else if (type == "audio")
                {
                    hasAudio = true;
                }
            }
        }

        if (video is not { } v)
        {
            throw new BadInputException("source", $"'{name}' has no video stream");
        }

        var width = Int(v, "width");
        var height = Int(v, "height");
        if (width <= 0 || height <= 0)
        {
            throw new BadInputException("source", $"'{name}' has a video stream without a frame size");
        }

        var duration = Seconds(format, "duration") ?? Seconds(v, "duration");
        if (duration is not { } seconds || seconds <= 0)
        {
            throw new BadInputException("source", $"'{name}' has no duration: a still image or a live stream, not a video file");
        }

        return new SourceProbe(path, width, height, TimeSpan.FromSeconds(seconds), hasAudio);
    }

    public async Task<TranscodedRendition> TranscodeAsync(SourceProbe source, RenditionPlan plan, string outputDirectory, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var rung = plan.Rung;
        var reader = new FfmpegProgress(source.Duration);
        var outcome = await ToolProcess.RunAsync(
            _options.Path,
            Arguments(source, plan, outputDirectory),
            line =>
            {
                if (reader.Read(line) is { } share)
                {
                    progress?.Report(share);
                }
            },
            cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0 || !reader.Ended)
        {
            throw new TranscodeFailedException($"ffmpeg could not encode {rung.Name} from '{Names.Printable(Path.GetFileName(source.Path))}': {Trimmed(outcome.LastError, source.Path)}");
        }

        var playlist = Path.Combine(outputDirectory, "index.m3u8");
        SourceProbe encoded;
        try
        {
            encoded = await ProbeAsync(playlist, cancellationToken).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new TranscodeFailedException($"ffmpeg's {rung.Name} output does not read back: {e.Message}", e);
        }

        var codecs = source.HasAudio ? $"{rung.VideoCodec},{LadderRung.AudioCodec}" : rung.VideoCodec;
        return new TranscodedRendition(rung.Name, outputDirectory, encoded.Width, encoded.Height, codecs);
    }

    /// <summary>The ffmpeg command line for one rung (without the executable).</summary>
    internal List<string> Arguments(SourceProbe source, RenditionPlan plan, string outputDirectory)
    {
        var rung = plan.Rung;
        var segment = plan.SegmentDuration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1",
            "-i", source.Path,
            "-map", "0:v:0",
        };
        if (source.HasAudio)
        {
            args.AddRange(["-map", "0:a:0", "-c:a", "aac", "-b:a", $"{rung.AudioKbps}k", "-ac", "2"]);
        }
        else
        {
            args.Add("-an");
        }

        args.AddRange(
        [
            "-vf", $"scale=-2:{rung.Height}",
            "-c:v", "libx264", "-preset", _options.Preset, "-profile:v", "high", "-level:v", rung.Level, "-pix_fmt", "yuv420p",
            "-b:v", $"{rung.VideoKbps}k", "-maxrate", $"{rung.VideoKbps * 107 / 100}k", "-bufsize", $"{rung.VideoKbps * 3 / 2}k",
            "-force_key_frames", $"expr:gte(t,n_forced*{segment})", "-sc_threshold", "0",
            "-f", "hls", "-hls_time", segment, "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
            "-hls_segment_filename", Path.Combine(outputDirectory, "seg_%04d.ts"),
            Path.Combine(outputDirectory, "index.m3u8"),
        ]);
        return args;
    }

    private static JsonDocument ParseJson(string json, string name)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new BadInputException("source", $"'{name}' could not be read: ffprobe answered something that is not JSON ({e.Message})");
        }
    }

    private static int Int(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : 0;

    private static double? Seconds(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;

    /// <summary>The tool's message without the full source path (it names the file; the caller already did).</summary>
    private static string Trimmed(string message, string path) => message.Replace(path + ": ", string.Empty, StringComparison.Ordinal).Replace(path, Path.GetFileName(path), StringComparison.Ordinal);
}
