namespace Courier.Core.Ingest;

/// <summary>What a source holds, as the transcoder read it.</summary>
/// <param name="Path">The absolute path of the source.</param>
/// <param name="Width">The width of its first video stream, in pixels.</param>
/// <param name="Height">The height of its first video stream, in pixels.</param>
/// <param name="Duration">Its duration, when the container says.</param>
/// <param name="HasAudio">Whether it holds an audio stream.</param>
public sealed record SourceProbe(string Path, int Width, int Height, TimeSpan? Duration, bool HasAudio);
