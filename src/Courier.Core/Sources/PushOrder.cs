namespace Courier.Core.Sources;

/// <summary>
/// The order files of a package are pushed in, so that a player never sees a playlist that names a
/// missing file: segments and other media first, then playlists/manifests, then playlists that name
/// other playlists (HLS master playlists, DASH manifests that reference playlists).
/// </summary>
public static class PushOrder
{
    private const long MaxPlaylistBytesToInspect = 4 * 1024 * 1024;

    /// <summary>True for HLS playlists and DASH manifests.</summary>
    public static bool IsPlaylist(string path) =>
        path.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".m3u", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".mpd", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sorts <paramref name="files"/> into push order; ties broken by ordinal path for a stable order.</summary>
    public static IReadOnlyList<SourceFile> Sort(IEnumerable<SourceFile> files) =>
        files.OrderBy(Rank).ThenBy(f => f.RelativePath, StringComparer.Ordinal).ToList();

    private static int Rank(SourceFile file)
    {
        if (!IsPlaylist(file.RelativePath))
        {
            return 0;
        }

        return NamesOtherPlaylists(file) ? 2 : 1;
    }

    private static bool NamesOtherPlaylists(SourceFile file)
    {
        if (file.Length > MaxPlaylistBytesToInspect)
        {
            return false;
        }

        try
        {
            foreach (var line in File.ReadLines(file.FullPath))
            {
                if (line.StartsWith('#') && !line.Contains("URI=", StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.Contains(".m3u8", StringComparison.OrdinalIgnoreCase)
                    || line.Contains(".mpd", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            // Unreadable now: the push itself will report it.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return false;
    }
}
