namespace Courier.Core.Storage;

/// <summary>What the store did with a submission.</summary>
/// <param name="Version">The video version: 1 for the first content, +1 for each new content; the same content again keeps its version.</param>
/// <param name="IsNewVersion">False when the same content was submitted before (idempotent submit).</param>
/// <param name="Claimed">The deliveries now <c>in_flight</c> for the submitting node, to push synchronously: the new ones, and the queued ones of this version.</param>
public sealed record SubmitResult(int Version, bool IsNewVersion, IReadOnlyList<ClaimedDelivery> Claimed);
