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
}
