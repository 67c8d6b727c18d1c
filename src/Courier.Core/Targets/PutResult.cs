namespace Courier.Core.Targets;

/// <summary>The result of a verified push.</summary>
/// <param name="Bytes">Bytes sent (0 when the target already held the object).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the source content; empty from a target that verifies sizes only (<see cref="VerifyMode.Size"/>), which does not hash.</param>
public sealed record PutResult(long Bytes, string Sha256);
