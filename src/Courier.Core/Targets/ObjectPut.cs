namespace Courier.Core.Targets;

/// <summary>One object to push: a local source file and the key it goes to.</summary>
/// <param name="Key">The object key, '/'-separated, relative to the target's root or prefix.</param>
/// <param name="SourcePath">The absolute path of the local file.</param>
/// <param name="Length">The size of the file when the rendition was resolved.</param>
/// <param name="ContentType">The media type, chosen by extension (<see cref="ContentTypes"/>).</param>
/// <param name="Activity">Told the count of bytes moved as the push and its verification go on; a stalled push is cut off by it.</param>
public sealed record ObjectPut(string Key, string SourcePath, long Length, string ContentType, IProgress<long>? Activity = null)
{
    /// <summary>
    /// The caller vouches that no earlier push wrote under <see cref="Key"/> (so nothing, not even a leftover temp file, is
    /// there) and that no reader can reach it before this push has been verified (a segment of a new package, before any
    /// playlist names it): a target may write straight to the final name instead of a temp name moved into place, and
    /// need not sweep leftovers. False: the push must be atomic at the final name.
    /// </summary>
    public bool InPlace { get; init; }

    /// <summary>
    /// Opens the source for streaming: reports bytes read to <see cref="Activity"/> and computes the
    /// <paramref name="hashes"/> of them (none for a target that verifies sizes only, XxHash128 for one that reads back).
    /// Throws <see cref="Sources.SourceMissingException"/> when the file is gone.
    /// </summary>
    public HashingStream OpenSource(StreamHashes hashes)
    {
        FileStream file;
        try
        {
            file = new FileStream(SourcePath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new Sources.SourceMissingException($"source file '{SourcePath}' is gone or unreadable: {e.Message}", e);
        }

        return new HashingStream(file, hashes, Activity);
    }
}
