using Courier.Core.Storage;

namespace Courier.Core.Reports;

/// <summary>What became of a person's retry of one delivery.</summary>
public enum RetryOutcome
{
    /// <summary>Queued again, due now, attempts reset.</summary>
    Requeued,

    /// <summary>There is no such delivery.</summary>
    NotFound,

    /// <summary>It is delivered or in flight: only queued or dead deliveries can be retried. Nothing was requeued.</summary>
    NotRetryable,

    /// <summary>It changed state between the check and the requeue, and was not requeued.</summary>
    ChangedMeanwhile,
}

/// <summary>The outcome of retrying one delivery, with the delivery as it stands afterwards (null when there is none).</summary>
public sealed record RetryResult(Guid DeliveryId, RetryOutcome Outcome, DeliveryView? Delivery);
