namespace Courier.Targets.FileSystem;

/// <summary>Resolves symbolic links in a path, component by component, as far as the path exists.</summary>
internal static class PathLinks
{
    private const int MaxLinks = 40;

    /// <summary>The absolute path with every symbolic link among its existing components replaced by what it points to.</summary>
    public static string Resolve(string path)
    {
        var pending = new Stack<string>(Split(Path.GetFullPath(path)).Reverse());
        var current = Path.GetPathRoot(Path.GetFullPath(path)) ?? "/";
        for (var links = 0; pending.Count > 0;)
        {
            var next = Path.Combine(current, pending.Pop());
            FileSystemInfo info = new FileInfo(next);
            if (!info.Exists)
            {
                info = new DirectoryInfo(next);
            }

            if (info.Exists && info.LinkTarget is { } target && links++ < MaxLinks)
            {
                // Restart from the link's target (relative targets are relative to the link's directory).
                var resolved = Path.GetFullPath(target, current);
                foreach (var part in Split(resolved).Reverse())
                {
                    pending.Push(part);
                }

                current = Path.GetPathRoot(resolved) ?? "/";
                continue;
            }

            current = next;
        }

        return Path.TrimEndingDirectorySeparator(current);
    }

    private static string[] Split(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        return fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
    }
}
