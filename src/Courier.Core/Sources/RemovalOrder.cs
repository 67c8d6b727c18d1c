namespace Courier.Core.Sources;

/// <summary>
/// The order a video's files are removed from a target in: the reverse of <see cref="PushOrder"/>, so that a player
/// never finds a playlist naming a file that is already gone. Playlists that name other playlists (HLS multivariant
/// playlists, DASH manifests over playlists) first, then the other playlists and manifests, then segments and the rest.
/// Works on object keys alone: at removal time the source files may no longer exist.
/// </summary>
public static class RemovalOrder
{
    /// <summary>
    /// Sorts <paramref name="keys"/> into removal order; ties broken by ordinal key for a stable order.
    /// <paramref name="namesOtherPlaylists"/> says which playlists name other playlists when the caller knows (it read
    /// them, or recorded it at push time); without it a playlist counts as one when it is called <c>master</c>, or when
    /// another playlist among <paramref name="keys"/> lies in a directory below its own.
    /// </summary>
    public static IReadOnlyList<string> Sort(IEnumerable<string> keys, Func<string, bool>? namesOtherPlaylists = null)
    {
        var all = keys.Distinct(StringComparer.Ordinal).ToList();
        var playlistDirectories = all.Where(PushOrder.IsPlaylist).Select(DirectoryOf).ToList();
        var namesOthers = namesOtherPlaylists ?? (key => IsMasterByName(key) || HasPlaylistBelow(key, playlistDirectories));
        return all.OrderBy(key => Rank(key, namesOthers)).ThenBy(key => key, StringComparer.Ordinal).ToList();
    }

    private static int Rank(string key, Func<string, bool> namesOtherPlaylists)
    {
        if (!PushOrder.IsPlaylist(key))
        {
            return 2;
        }

        return namesOtherPlaylists(key) ? 0 : 1;
    }

    private static bool IsMasterByName(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        return string.Equals(dot < 0 ? name : name[..dot], "master", StringComparison.OrdinalIgnoreCase);
    }

    private static bool HasPlaylistBelow(string key, List<string> playlistDirectories)
    {
        var own = DirectoryOf(key);
        return playlistDirectories.Any(directory => directory.Length > own.Length && directory.StartsWith(own, StringComparison.Ordinal));
    }

    /// <summary>The key's directory with a trailing '/' (empty for a key at the root), so prefixes match whole segments.</summary>
    private static string DirectoryOf(string key) => key[..(key.LastIndexOf('/') + 1)];
}
