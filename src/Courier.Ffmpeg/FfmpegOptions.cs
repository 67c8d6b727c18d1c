using Courier.Core.Configuration;

namespace Courier.Ffmpeg;

/// <summary>The <c>Courier:Ingest:Ffmpeg</c> section: where the tools are and how hard the encoder works.</summary>
public sealed class FfmpegOptions : IValidatableOptions
{
    /// <summary>The ffmpeg executable (a name looked up on PATH, or a path). <value>The default is <c>ffmpeg</c>.</value></summary>
    public string Path { get; set; } = FfmpegDefaults.Path;

    /// <summary>The ffprobe executable. <value>The default is <c>ffprobe</c>.</value></summary>
    public string ProbePath { get; set; } = FfmpegDefaults.ProbePath;

    /// <summary>The x264 preset (<c>ultrafast</c> … <c>veryslow</c>): speed against size. <value>The default is <c>veryfast</c>.</value></summary>
    public string Preset { get; set; } = FfmpegDefaults.Preset;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            yield return new($"{section}:Path", $"{section}:Path must name the ffmpeg executable");
        }

        if (string.IsNullOrWhiteSpace(ProbePath))
        {
            yield return new($"{section}:ProbePath", $"{section}:ProbePath must name the ffprobe executable");
        }

        if (!FfmpegDefaults.Presets.Contains(Preset))
        {
            yield return new($"{section}:Preset", $"{section}:Preset '{Preset}' must be one of {string.Join(", ", FfmpegDefaults.Presets)}");
        }
    }
}
