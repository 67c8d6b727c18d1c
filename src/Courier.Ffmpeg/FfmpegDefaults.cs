namespace Courier.Ffmpeg;

/// <summary>The defaults of <see cref="FfmpegOptions"/>, written once.</summary>
public static class FfmpegDefaults
{
    public const string Path = "ffmpeg";
    public const string ProbePath = "ffprobe";
    public const string Preset = "veryfast";

    /// <summary>The x264 presets, fastest first.</summary>
    public static IReadOnlyList<string> Presets { get; } = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>What to install when a tool is missing.</summary>
    public const string Package = "the Debian package ffmpeg (apt-get install ffmpeg)";
}
