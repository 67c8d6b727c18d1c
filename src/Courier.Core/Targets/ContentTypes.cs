namespace Courier.Core.Targets;

/// <summary>Media types by file extension, for targets that store one.</summary>
public static class ContentTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".m3u8"] = "application/vnd.apple.mpegurl",
        [".m3u"] = "application/vnd.apple.mpegurl",
        [".mpd"] = "application/dash+xml",
        [".ts"] = "video/mp2t",
        [".m4s"] = "video/iso.segment",
        [".mp4"] = "video/mp4",
        [".m4v"] = "video/mp4",
        [".m4a"] = "audio/mp4",
        [".mov"] = "video/quicktime",
        [".webm"] = "video/webm",
        [".mkv"] = "video/x-matroska",
        [".aac"] = "audio/aac",
        [".mp3"] = "audio/mpeg",
        [".vtt"] = "text/vtt",
        [".srt"] = "application/x-subrip",
        [".ttml"] = "application/ttml+xml",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".png"] = "image/png",
        [".webp"] = "image/webp",
        [".json"] = "application/json",
        [".xml"] = "application/xml",
        [".key"] = "application/octet-stream",
    };

    /// <summary>The media type for <paramref name="path"/>, <c>application/octet-stream</c> when unknown.</summary>
    public static string For(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var type) ? type : "application/octet-stream";
}
