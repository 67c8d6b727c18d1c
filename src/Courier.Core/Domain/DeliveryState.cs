namespace Courier.Core.Domain;

/// <summary>Where a delivery (one rendition to one target) stands. Serialised in snake case: <c>in_flight</c>.</summary>
public enum DeliveryState
{
    /// <summary>Claimed by a node that is pushing it now, under a lease token.</summary>
    InFlight,

    /// <summary>In the failure queue, waiting for its due time.</summary>
    Queued,

    /// <summary>Pushed and verified at the target.</summary>
    Delivered,

    /// <summary>Given up on (permanent error or attempts exhausted) until a person resubmits it.</summary>
    Dead,

    /// <summary>A newer version of the video (or its removal) was committed for the target first: terminal, not a failure, never pushed.</summary>
    Superseded,

    /// <summary>A removal delivery that is done: every file of the rendition is gone from the target, proven by a "not found".</summary>
    Removed,

    /// <summary>
    /// Waiting for its licence window to open (<c>availableFrom</c>): not pushed, not in the failure queue, not a failure.
    /// It becomes <see cref="Queued"/>, due at once, when the window opens.
    /// </summary>
    Scheduled,
}
