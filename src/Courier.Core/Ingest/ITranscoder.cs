namespace Courier.Core.Ingest;

/// <summary>
/// The transcoder port: reads what a source is, and encodes one rung of the ladder into an HLS package. The ffmpeg
/// implementation lives in its own project (<c>Courier.Ffmpeg</c>).
/// </summary>
public interface ITranscoder
{
    /// <summary>
    /// What <paramref name="path"/> holds. Throws <see cref="Domain.BadInputException"/> when it is not a video (not media
    /// at all, an image or text, no video stream, unreadable or truncated), and <see cref="TranscoderUnavailableException"/>
    /// when the tool itself cannot be run.
    /// </summary>
    Task<SourceProbe> ProbeAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Encodes <paramref name="source"/> into <paramref name="plan"/>'s rung as an HLS package in
    /// <paramref name="outputDirectory"/> (<c>index.m3u8</c> and its segments), reporting the share done (0 to 1) as the
    /// tool reports it. Throws <see cref="TranscodeFailedException"/> when the tool fails.
    /// </summary>
    Task<TranscodedRendition> TranscodeAsync(SourceProbe source, RenditionPlan plan, string outputDirectory, IProgress<double>? progress, CancellationToken cancellationToken);
}
