namespace Courier.Core.Ingest;

/// <summary>A rung of the HLS ladder.</summary>
/// <param name="Name">The rendition name (<c>720p</c>).</param>
/// <param name="Height">The output height in pixels; the width follows the source's aspect ratio.</param>
/// <param name="VideoKbps">The H.264 target bitrate.</param>
/// <param name="AudioKbps">The AAC bitrate.</param>
/// <param name="Level">The H.264 level (High profile), as ffmpeg writes it: <c>3.1</c>.</param>
public sealed record LadderRung(string Name, int Height, int VideoKbps, int AudioKbps, string Level)
{
    /// <summary>The RFC 6381 codec of the video (<c>avc1.64001f</c>: High profile, the rung's level).</summary>
    public string VideoCodec => "avc1.6400" + ((int)Math.Round(double.Parse(Level, System.Globalization.CultureInfo.InvariantCulture) * 10)).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The RFC 6381 codec of the audio: AAC-LC.</summary>
    public const string AudioCodec = "mp4a.40.2";
}
