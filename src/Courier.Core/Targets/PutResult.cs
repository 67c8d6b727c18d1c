namespace Courier.Core.Targets;

/// <summary>The result of a verified push.</summary>
/// <param name="Bytes">Bytes sent (0 when the target already held the object).</param>
/// <param name="Sha256">
/// Lower-case hex SHA-256 of the content, for the ledger: of what the target holds, computed as it was read back and
/// proven equal to the bytes sent (filesystem, http: the read-back's XxHash128 and length are those of what was sent), or
/// of the source as it was sent (s3, whose stored bytes the ETag proves). Empty from a target that verifies sizes only
/// (<see cref="VerifyMode.Size"/>), which does not hash.
/// </param>
public sealed record PutResult(long Bytes, string Sha256);
