using System.Buffers;
using System.Runtime.CompilerServices;
using Courier.Core.Targets;

namespace Courier.Targets.FileSystem;

/// <summary>
/// A <c>filesystem</c> target: a local or mounted directory. A push writes a hidden temp file in the final directory,
/// fsyncs it, and renames it onto the final name, so a reader sees nothing or the whole file, never a part.
/// </summary>
internal sealed class FileSystemTarget : ITarget, ITargetListing
{
    private const int CopyBufferSize = 1 << 20;

    /// <summary>
    /// The temp files pushes of this process are writing now (full paths), which a sweep leaves alone: two pushes of one
    /// name at once in one process (a playlist published after a delivery and by the recovery pass) each keep their temp
    /// file until its rename. Before, the one that finished first swept the other's ("Could not find file '.master.m3u8.courier-tmp-…'").
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Writing = new(StringComparer.Ordinal);
    private readonly string _rootWithSeparator;

    public FileSystemTarget(string name, string region, VerifyMode verify, string root)
    {
        Name = name;
        Region = region;
        Verify = verify;
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
    }

    public string Name { get; }

    public string Region { get; }

    public string Kind => FileSystemTargetFactory.KindName;

    public VerifyMode Verify { get; }

    /// <summary>The absolute directory objects are written under.</summary>
    public string Root { get; }

    public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) =>
        StatAsync(key, withChecksum, null, cancellationToken);

    public async Task<StoredObject?> StatAsync(string key, bool withChecksum, IProgress<long>? activity, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (!withChecksum)
            {
                return new StoredObject(info.Length);
            }

            await using var stream = OpenRead(path);
            var (length, sha256) = await ContentHash.Sha256Async(stream, TargetActivity.WithoutBytes(activity), cancellationToken).ConfigureAwait(false);
            return new StoredObject(length, sha256);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            throw FileSystemErrors.From(Name, $"stat of '{key}' failed", e);
        }
    }

    public async Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken)
    {
        var path = PathOf(put.Key);
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, ObjectKeys.TempName(Path.GetFileName(path)));
        ContentDigest sent;
        Writing.TryAdd(temp, 0);
        try
        {
            Directory.CreateDirectory(directory);
            sent = await WriteTempAsync(put, temp, cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
            if (!put.InPlace)
            {
                // A scan of the whole directory: for the thousands of segments of a new package, which no earlier push left anything of, not worth it.
                SweepLeftoverTemps(directory, Path.GetFileName(path));
            }
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (FileSystemErrors.IsFileSystemFailure(e))
            {
                throw FileSystemErrors.From(Name, $"writing '{put.Key}' failed", e);
            }

            throw;
        }
        finally
        {
            Writing.TryRemove(temp, out _);
        }

        var sha256 = await VerifyAsync(put, path, sent, cancellationToken).ConfigureAwait(false);
        return new PutResult(sent.Length, sha256);
    }

    public Task ProbeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(Root))
        {
            throw new TargetException(Name, $"root '{Root}' does not exist (is the volume mounted?)", isTransient: true, ErrorKinds.Io);
        }

        var probe = Path.Combine(Root, ObjectKeys.TempName("probe"));
        try
        {
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                file.WriteByte(0);
                file.Flush(flushToDisk: true);
            }

            File.Delete(probe);
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            TryDelete(probe);
            throw FileSystemErrors.From(Name, $"root '{Root}' is not writable", e);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Deletes the file and fsyncs its directory, so the removal survives a crash; a missing file (or directory) is
    /// success. Empty directories are left in place: a push into them may be starting.
    /// </summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(key);
        try
        {
            if (Directory.Exists(path))
            {
                throw new TargetException(Name, $"cannot delete '{key}': it is a directory, not a file Courier pushed", isTransient: false, ErrorKinds.BadKey);
            }

            File.Delete(path);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            // Nothing there: already removed.
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            throw FileSystemErrors.From(Name, $"deleting '{key}' failed", e);
        }

        if (File.Exists(path))
        {
            throw new TargetException(Name, $"'{key}' deleted but still there", isTransient: true, ErrorKinds.NotRemoved);
        }

        return Task.CompletedTask;
    }

    /// <summary>Absent when no file (nor anything else) exists under the key's path.</summary>
    public Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(key);
        return Task.FromResult(!File.Exists(path) && !Directory.Exists(path));
    }

    /// <summary>A walk of the prefix's directory; keys are relative to the root, '/'-separated.</summary>
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = PathOf(prefix);
        List<string> files;
        try
        {
            files = Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)] : [];
        }
        catch (DirectoryNotFoundException)
        {
            files = [];
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            throw FileSystemErrors.From(Name, $"listing '{prefix}' failed", e);
        }

        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The absolute path of <paramref name="key"/>; refuses a key that would land outside the root.</summary>
    internal string PathOf(string key)
    {
        var segments = ObjectKeys.Split(Name, key);
        var path = Path.GetFullPath(Path.Combine([Root, .. segments]));
        if (!path.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"object key '{Core.Domain.Names.Printable(key)}' escapes the root", isTransient: false, ObjectKeys.BadKey);
        }

        return path;
    }

    private async Task<ContentDigest> WriteTempAsync(ObjectPut put, string temp, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var source = put.OpenSource(Verify == VerifyMode.Full ? StreamHashes.XxHash128 : StreamHashes.None);
            await using var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            });
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            // On the disk before the rename, so a crash can leave the temp file but never a short file under the final name.
            file.Flush(flushToDisk: true);
            return source.Digest();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Checks what the file holds against what was <paramref name="sent"/>: its size, and under full verification its
    /// XxHash128, read back in the same pass as its SHA-256. Returns that SHA-256 (empty under size-only verification): a
    /// digest of what the target holds, proven equal to the bytes sent.
    /// </summary>
    private async Task<string> VerifyAsync(ObjectPut put, string path, ContentDigest sent, CancellationToken cancellationToken)
    {
        ContentDigest held;
        try
        {
            held = Verify == VerifyMode.Full
                ? await ContentHash.DigestAsync(OpenRead(path), StreamHashes.Sha256 | StreamHashes.XxHash128, sent.Length, TargetActivity.WithoutBytes(put.Activity), cancellationToken).ConfigureAwait(false)
                : new ContentDigest(new FileInfo(path).Length, string.Empty, string.Empty);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TargetException(Name, $"'{put.Key}' is gone right after it was written", isTransient: true, ErrorKinds.NotStored, innerException: e);
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            throw FileSystemErrors.From(Name, $"reading '{put.Key}' back failed", e);
        }

        if (held.Length != sent.Length)
        {
            throw new TargetException(Name, $"'{put.Key}' holds {held.Length} bytes after writing {sent.Length}", isTransient: true, ErrorKinds.SizeMismatch);
        }

        if (!string.Equals(held.XxHash128, sent.XxHash128, StringComparison.Ordinal))
        {
            throw new TargetException(Name, $"'{put.Key}' reads back with other bytes than were written (XxHash128 {held.XxHash128}, written {sent.XxHash128})", isTransient: true, ErrorKinds.Checksum);
        }

        return held.Sha256;
    }

    private static FileStream OpenRead(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 0,
        Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
    });

    /// <summary>
    /// Deletes the temp files an interrupted push of the same name left (a killed process cannot clean up after itself).
    /// Only for names short enough to appear whole in their temp names, so another file's temp is never touched, and never
    /// a temp this process is writing (<see cref="Writing"/>). A node in another process that lost its lease and is still
    /// writing one of them only loses a push whose outcome would be refused anyway.
    /// </summary>
    private static void SweepLeftoverTemps(string directory, string name)
    {
        if (name.Length > ObjectKeys.MaxNameInTempName)
        {
            return;
        }

        foreach (var leftover in Directory.EnumerateFiles(directory, $".{name}{ObjectKeys.TempMarker}*"))
        {
            if (!Writing.ContainsKey(leftover))
            {
                TryDelete(leftover);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (FileSystemErrors.IsFileSystemFailure(e))
        {
            // Best effort: a leftover temp name never shadows the final name, and carries the marker for sweeping.
        }
    }
}
