namespace Courier.Core.Domain;

/// <summary>
/// A video's state, derived from its deliveries: <c>distributed</c> when all are delivered,
/// <c>failed</c> when any is dead, <c>partial</c> when any is queued, else <c>distributing</c>.
/// A removal version (<see cref="DeliveryOperation.Remove"/>) is <c>removed</c> when all its removals are done, else
/// <c>removing</c> (or <c>partial</c>/<c>failed</c> as above). Superseded deliveries count for neither.
/// </summary>
public enum VideoState
{
    Distributing,
    Distributed,
    Partial,
    Failed,

    /// <summary>A removal version whose removals are under way.</summary>
    Removing,

    /// <summary>A removal version whose removals are all done and proven.</summary>
    Removed,
}
