namespace Courier.Core.Ingest;

/// <summary>A rung encoded: where its package is and what it holds.</summary>
/// <param name="Name">The rendition name.</param>
/// <param name="Directory">The absolute directory of the package (<c>index.m3u8</c> and segments).</param>
/// <param name="Width">The encoded width.</param>
/// <param name="Height">The encoded height.</param>
/// <param name="Codecs">The RFC 6381 codecs of the variant (<c>avc1.64001f,mp4a.40.2</c>).</param>
public sealed record TranscodedRendition(string Name, string Directory, int Width, int Height, string Codecs);
