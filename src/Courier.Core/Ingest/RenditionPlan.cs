namespace Courier.Core.Ingest;

/// <summary>One rung of the ladder to encode: H.264 at a height and bitrate, AAC audio, HLS segments of a fixed length.</summary>
/// <param name="Rung">The rung (name, height, bitrates, codec level).</param>
/// <param name="SegmentDuration">The length of each HLS segment.</param>
public sealed record RenditionPlan(LadderRung Rung, TimeSpan SegmentDuration)
{
    /// <summary>The rendition name (<c>720p</c>).</summary>
    public string Name => Rung.Name;
}
