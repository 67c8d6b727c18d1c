namespace Courier.Core.Targets;

/// <summary>
/// What a target can list, where it can do so cheaply: the filesystem (a directory walk) and s3 (ListObjectsV2). The
/// http kind cannot (nginx answers WebDAV PROPFIND only with the dav-ext module), so callers test
/// <c>target is ITargetListing</c> and fall back to the keys the ledger recorded.
/// </summary>
public interface ITargetListing
{
    /// <summary>
    /// Every object key the target holds under <paramref name="prefix"/> (a key directory such as <c>movie-42</c> or
    /// <c>movie-42/720p</c>; whole segments only, so <c>movie-4</c> never lists <c>movie-42/…</c>), in no particular
    /// order, including temp files an interrupted push left. Empty when nothing is held there. Throws
    /// <see cref="TargetException"/> as the other target operations do.
    /// </summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken);
}
