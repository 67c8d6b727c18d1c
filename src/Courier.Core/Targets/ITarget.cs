namespace Courier.Core.Targets;

/// <summary>
/// The target port: a named place renditions are pushed to. Implementations (filesystem, http, s3) write each
/// object atomically (never visible half-written), verify it as configured, and throw
/// <see cref="TargetException"/> for every failure, saying whether it is transient.
/// Object keys are '/'-separated and relative to the target's own root or prefix: <c>movie-42/720p/720p.mp4</c>.
/// </summary>
public interface ITarget
{
    /// <summary>The target's name in the configuration (<c>cdn-north</c>).</summary>
    string Name { get; }

    /// <summary>The region label used in statistics (<c>north</c>).</summary>
    string Region { get; }

    /// <summary>The kind: <c>filesystem</c>, <c>http</c> or <c>s3</c>.</summary>
    string Kind { get; }

    /// <summary>How this target proves what it holds.</summary>
    VerifyMode Verify { get; }

    /// <summary>
    /// What the target holds under <paramref name="key"/>, or null when it holds nothing there.
    /// With <paramref name="withChecksum"/>, <see cref="StoredObject.Sha256"/> is filled in where the target can prove it
    /// (metadata, or reading the object back).
    /// </summary>
    Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="StatAsync(string, bool, CancellationToken)"/>, reporting to <paramref name="activity"/> while it reads
    /// (0 bytes per chunk: reading is progress, not bytes sent), so that reading a large object back is not taken for a stall.
    /// </summary>
    Task<StoredObject?> StatAsync(string key, bool withChecksum, IProgress<long>? activity, CancellationToken cancellationToken) =>
        StatAsync(key, withChecksum, cancellationToken);

    /// <summary>
    /// Streams <see cref="ObjectPut.SourcePath"/> to <see cref="ObjectPut.Key"/>, atomically, then verifies it
    /// according to <see cref="Verify"/>. Returns the bytes written and the SHA-256 of the content (<see cref="PutResult.Sha256"/>):
    /// under full verification a digest the target has proven to be that of the bytes sent, whether it hashed the source
    /// as it sent it or, more cheaply, what it read back after comparing a fast hash of both.
    /// </summary>
    Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the object under <paramref name="key"/> and proves it is gone: returns only once the target answers "not
    /// found" for the key (as <see cref="ProveAbsentAsync"/>). A key that is already absent is success, so a removal can be
    /// retried after a crash or a lost answer. Throws <see cref="TargetException"/>: transient for what a later try may get
    /// past (timeouts, resets, 5xx, 408, 429, and a target that acknowledged the delete but still serves the object, kind
    /// <see cref="ErrorKinds.NotRemoved"/>); permanent for what a person must fix (401/403 <see cref="ErrorKinds.Auth"/>,
    /// a key that escapes the target's root).
    /// </summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// True when the target answers "not found" for <paramref name="key"/> (no file; HTTP 404 or 410; S3 HEAD 404); false
    /// when it still holds or serves something there (any success, or a redirect). Throws <see cref="TargetException"/>
    /// when it cannot tell (transient for timeouts and 5xx; permanent when refused, e.g. an S3 key without
    /// <c>s3:ListBucket</c>, which answers 403 rather than 404 for a missing key and so can never prove absence).
    /// </summary>
    Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken);

    /// <summary>A cheap check that the target is reachable and accepting work (used to close an open circuit).</summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
