using System.Globalization;
using System.Text;

namespace Courier.Core.Ingest;

/// <summary>
/// The HLS multivariant playlist (<c>master.m3u8</c>) of an ingested version: one <c>#EXT-X-STREAM-INF</c> per rendition
/// with BANDWIDTH (the peak segment bitrate, measured from the segments written), AVERAGE-BANDWIDTH, RESOLUTION and
/// CODECS, naming <c>{rendition}/index.m3u8</c> beside it (the layout at every target).
/// </summary>
public static class MasterPlaylist
{
    /// <summary>The file name, in the ingest directory and at each target (<c>{videoId}/master.m3u8</c>).</summary>
    public const string FileName = "master.m3u8";

    /// <summary>The media playlist of each rendition package.</summary>
    public const string VariantPlaylist = "index.m3u8";

    /// <summary>The playlist naming <paramref name="renditions"/>, lowest first as given.</summary>
    public static string Build(IEnumerable<TranscodedRendition> renditions)
    {
        var text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        foreach (var rendition in renditions)
        {
            var (peak, average) = Bitrates(Path.Combine(rendition.Directory, VariantPlaylist));
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},RESOLUTION={rendition.Width}x{rendition.Height},CODECS=\"{rendition.Codecs}\"\n");
            text.Append(CultureInfo.InvariantCulture, $"{rendition.Name}/{VariantPlaylist}\n");
        }

        return text.ToString();
    }

    /// <summary>The rendition names a multivariant playlist names (<c>360p</c> of <c>360p/index.m3u8</c>).</summary>
    public static IReadOnlyList<string> VariantNames(string masterPath) =>
        File.ReadLines(masterPath)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('/')[0])
            .ToList();

    /// <summary>
    /// Writes, beside <paramref name="masterPath"/>, the playlist for one target that takes only <paramref name="variants"/>:
    /// <c>master.{target}.m3u8</c>, the same lines without the other variants (temp name, then rename). Returns its path.
    /// </summary>
    public static string WriteFiltered(string masterPath, string target, IReadOnlyCollection<string> variants)
    {
        var text = new StringBuilder();
        string? streamInf = null;
        foreach (var raw in File.ReadLines(masterPath))
        {
            var line = raw.Trim();
            if (line.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
            {
                streamInf = line;
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                if (variants.Contains(line.Split('/')[0]))
                {
                    text.Append(streamInf is null ? string.Empty : streamInf + "\n").Append(line).Append('\n');
                }

                streamInf = null;
            }
            else if (line.Length > 0)
            {
                text.Append(line).Append('\n');
            }
        }

        var path = Path.Combine(Path.GetDirectoryName(masterPath)!, $"master.{target}.m3u8");
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, text.ToString());
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Peak and average bits per second of a media playlist's segments, from their sizes on disk and their EXTINF durations.</summary>
    internal static (long Peak, long Average) Bitrates(string mediaPlaylist)
    {
        var directory = Path.GetDirectoryName(mediaPlaylist)!;
        double peak = 0, bits = 0, seconds = 0;
        double? duration = null;
        foreach (var raw in File.ReadLines(mediaPlaylist))
        {
            var line = raw.Trim();
            if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                var value = line["#EXTINF:".Length..].Split(',')[0];
                duration = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : null;
            }
            else if (line.Length > 0 && !line.StartsWith('#') && duration is { } segmentSeconds)
            {
                var size = new FileInfo(Path.Combine(directory, line)).Length * 8.0;
                peak = Math.Max(peak, size / segmentSeconds);
                bits += size;
                seconds += segmentSeconds;
                duration = null;
            }
        }

        return ((long)Math.Ceiling(peak), seconds > 0 ? (long)Math.Ceiling(bits / seconds) : 0);
    }
}
