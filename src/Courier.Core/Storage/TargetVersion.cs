namespace Courier.Core.Storage;

/// <summary>Which version of a video one target holds, for <c>courier status</c> and the API.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="LiveVersion">
/// The newest publish version all of whose pushes to the target are delivered: what players get there. Null when none is,
/// or when a newer removal has been completed there.
/// </param>
/// <param name="PendingVersion">The newest version with work not yet done at the target (queued, in flight or dead), or null.</param>
/// <param name="Removed">True when the newest version committed for the target is a removal and every removal of it is done.</param>
public sealed record TargetVersion(string Target, int? LiveVersion, int? PendingVersion, bool Removed);
