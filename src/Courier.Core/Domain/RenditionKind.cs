namespace Courier.Core.Domain;

/// <summary>A rendition is one file (<c>720p.mp4</c>) or a package directory (HLS/DASH playlist and segments).</summary>
public enum RenditionKind
{
    File,
    Package,
}
