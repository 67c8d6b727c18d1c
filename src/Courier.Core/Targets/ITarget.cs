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
    /// Streams <see cref="ObjectPut.SourcePath"/> to <see cref="ObjectPut.Key"/>, atomically, then verifies it
    /// according to <see cref="Verify"/>. Returns the bytes written and the SHA-256 of the source as streamed.
    /// </summary>
    Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken);

    /// <summary>A cheap check that the target is reachable and accepting work (used to close an open circuit).</summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
