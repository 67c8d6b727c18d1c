namespace Courier.Core.Domain;

/// <summary>
/// A video's state, derived from its deliveries: <c>distributed</c> when all are delivered,
/// <c>failed</c> when any is dead, <c>partial</c> when any is queued, else <c>distributing</c>.
/// </summary>
public enum VideoState
{
    Distributing,
    Distributed,
    Partial,
    Failed,
}
