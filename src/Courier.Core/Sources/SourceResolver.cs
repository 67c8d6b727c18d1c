using System.Security.Cryptography;
using System.Text;
using Courier.Core.Domain;

namespace Courier.Core.Sources;

/// <summary>
/// Resolves rendition paths under the configured source root and refuses any that escape it:
/// absolute paths, <c>..</c> segments, and symbolic links that point outside the root.
/// </summary>
public sealed class SourceResolver
{
    private const int MaxLinkDepth = 40;
    private readonly string _root;

    /// <param name="sourceRoot">The source root; relative paths are taken from the current directory.</param>
    public SourceResolver(string sourceRoot)
    {
        SourceRoot = Path.GetFullPath(sourceRoot);
        _root = RealPath(SourceRoot);
    }

    /// <summary>The absolute source root.</summary>
    public string SourceRoot { get; }

    /// <summary>The most files a package may hold.</summary>
    public int MaxFilesPerPackage { get; init; } = 100_000;

    /// <summary>
    /// Checks a rendition path and lists its files in push order.
    /// Throws <see cref="BadInputException"/> (field <paramref name="field"/>) when the path is refused or missing.
    /// </summary>
    public RenditionContent Resolve(string name, string path, string field)
    {
        var full = CheckedFullPath(path, field);
        if (File.Exists(full))
        {
            if (!FileKinds.IsRegularFile(full))
            {
                throw new BadInputException(field, $"rendition path '{Names.Printable(path)}' is not a regular file (a named pipe, socket or device)");
            }

            var files = new[] { new SourceFile(PublishedName(path, full), full, new FileInfo(full).Length) };
            EnsureReadable(full, field);
            return Build(name, RenditionKind.File, path, files);
        }

        if (Directory.Exists(full))
        {
            var files = ListPackage(full, field);
            if (files.Count == 0)
            {
                throw new BadInputException(field, $"rendition directory '{Names.Printable(path)}' is empty");
            }

            return Build(name, RenditionKind.Package, path, PushOrder.Sort(files));
        }

        throw new BadInputException(field, $"rendition path '{Names.Printable(path)}' does not exist under the source root");
    }

    /// <summary>
    /// Lists a rendition again at push time. Throws <see cref="SourceMissingException"/> (permanent) when it is gone
    /// or no longer lies under the source root while the root itself can be listed, and <see cref="IOException"/>
    /// (transient) when the source root cannot be listed (a mount that is away).
    /// </summary>
    public RenditionContent Reopen(string name, string path)
    {
        if (ReopenFile(name, path) is { } file)
        {
            return file;
        }

        try
        {
            return Resolve(name, path, "path");
        }
        catch (BadInputException e) when (RootReachable())
        {
            throw new SourceMissingException($"source of rendition {name} is gone: {e.Message}", e);
        }
        catch (BadInputException e)
        {
            // The source root itself cannot be read (an NFS mount that is away: ESTALE, EIO, or not mounted): nothing says
            // the file is gone, so this is transient and retried.
            throw new IOException($"source root {SourceRoot} is unreachable (rendition {name}): {e.Message}", e);
        }
    }

    /// <summary>
    /// A single file that is there and readable, as <see cref="Resolve"/> finds it, in five system calls, one open
    /// handle (<see cref="FileKinds.Open"/>): the kernel follows every link in opening it, <c>/proc/self/fd</c> names the
    /// file it reached, and the handle gives its type, size and write time. <see cref="Resolve"/> walks the path a
    /// component at a time (a <c>readlink</c> each) and opens the file again to prove it readable; this is paid by every
    /// delivery before its push. Null for anything else (a package, a refused or missing path, no <c>/proc</c>): the full
    /// walk then decides, and says why.
    /// </summary>
    private RenditionContent? ReopenFile(string name, string path)
    {
        if (Refusal(path) is not null || FileKinds.Open(Path.GetFullPath(Path.Combine(SourceRoot, path))) is not { } opened || !IsUnderRoot(opened.RealPath))
        {
            return null;
        }

        var file = new SourceFile(PublishedName(path, opened.RealPath), opened.RealPath, opened.Length);
        return Build(name, RenditionKind.File, path, [file], _ => opened.LastWriteTimeUtc);
    }

    /// <summary>
    /// A single file is published under the name the caller gave (a symbolic link's own name), and read from where the
    /// link leads (<paramref name="real"/>).
    /// </summary>
    private static string PublishedName(string path, string real) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) is { Length: > 0 } asked ? asked : Path.GetFileName(real);

    /// <summary>Whether the source root can be listed now: only then does a missing file mean it is really gone.</summary>
    private bool RootReachable()
    {
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(SourceRoot).GetEnumerator();
            entries.MoveNext();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Why <paramref name="path"/> is refused as written, before anything on disk is asked; null when it is not.</summary>
    private static string? Refusal(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "rendition path is required";
        }

        if (path.Length > 4096)
        {
            return "rendition path is longer than 4096 characters";
        }

        if (path.Any(char.IsControl))
        {
            return $"rendition path '{Names.Printable(path)}' contains control characters";
        }

        if (Path.IsPathRooted(path) || path.StartsWith('~'))
        {
            return $"rendition path '{Names.Printable(path)}' must be relative to the source root, not absolute";
        }

        return path.Split('/', '\\').Any(s => s == "..") ? $"rendition path '{Names.Printable(path)}' must not contain '..'" : null;
    }

    private string CheckedFullPath(string path, string field)
    {
        if (Refusal(path) is { } refusal)
        {
            throw new BadInputException(field, refusal);
        }

        var full = Path.GetFullPath(Path.Combine(SourceRoot, path));
        string real;
        try
        {
            real = RealPath(full);
        }
        catch (IOException e)
        {
            throw new BadInputException(field, $"rendition path '{Names.Printable(path)}' cannot be resolved: {e.Message}");
        }

        if (!IsUnderRoot(real))
        {
            throw new BadInputException(field, $"rendition path '{Names.Printable(path)}' escapes the source root (through a symbolic link)");
        }

        return real;
    }

    private List<SourceFile> ListPackage(string directory, string field)
    {
        var files = new List<SourceFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        try
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFiles("*", options))
            {
                var full = entry.FullName;
                if (entry.LinkTarget is not null || HasLinkedParent(full, directory))
                {
                    full = RealPath(full);
                    if (!IsUnderRoot(full))
                    {
                        throw new BadInputException(field, $"file '{Names.Printable(Path.GetRelativePath(directory, entry.FullName))}' in the rendition escapes the source root (through a symbolic link)");
                    }
                }

                if (!File.Exists(full))
                {
                    continue;
                }

                if (!FileKinds.IsRegularFile(full))
                {
                    throw new BadInputException(field, $"file '{Names.Printable(Path.GetRelativePath(directory, entry.FullName))}' in the rendition is not a regular file (a named pipe, socket or device)");
                }

                var relative = Path.GetRelativePath(directory, entry.FullName).Replace('\\', '/');
                files.Add(new SourceFile(relative, full, new FileInfo(full).Length));
                if (files.Count > MaxFilesPerPackage)
                {
                    throw new BadInputException(field, $"rendition directory holds more than {MaxFilesPerPackage} files");
                }
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BadInputException(field, $"rendition directory is not readable: {e.Message}");
        }

        return files;
    }

    private static bool HasLinkedParent(string file, string directory)
    {
        for (var dir = Path.GetDirectoryName(file); dir is not null && dir.Length > directory.Length; dir = Path.GetDirectoryName(dir))
        {
            if (new DirectoryInfo(dir).LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static void EnsureReadable(string full, string field)
    {
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(field, $"rendition file is not readable: {e.Message}");
        }
    }

    private bool IsUnderRoot(string real) =>
        real == _root || real.StartsWith(_root.EndsWith('/') ? _root : _root + "/", StringComparison.Ordinal);

    /// <summary>The content and its fingerprint: each file's name, size and write time (<paramref name="writtenAt"/>; by default asked of the file's path).</summary>
    private static RenditionContent Build(string name, RenditionKind kind, string path, IReadOnlyList<SourceFile> files, Func<SourceFile, DateTime>? writtenAt = null)
    {
        writtenAt ??= file => File.GetLastWriteTimeUtc(file.FullPath);
        var builder = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            var written = writtenAt(file).Ticks;
            builder.Append(file.RelativePath).Append('\t').Append(file.Length).Append('\t').Append(written).Append('\n');
        }

        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
        return new RenditionContent(name, kind, path, files, files.Sum(f => f.Length), fingerprint);
    }

    /// <summary>The path with every symbolic link resolved, like POSIX realpath (missing tails are kept as they are).</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full) ?? "/";
        var remaining = new Queue<string>(full[current.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries));
        var hops = 0;
        while (remaining.Count > 0)
        {
            var next = Path.Combine(current, remaining.Dequeue());
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkDepth)
                {
                    throw new IOException($"too many levels of symbolic links at '{next}'");
                }

                var resolved = Path.GetFullPath(target, current);
                var rest = remaining.ToList();
                current = Path.GetPathRoot(resolved) ?? "/";
                remaining = new Queue<string>(resolved[current.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                continue;
            }

            current = next;
        }

        return current;
    }
}
