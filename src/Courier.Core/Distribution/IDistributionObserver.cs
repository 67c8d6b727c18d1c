using Courier.Core.Storage;

namespace Courier.Core.Distribution;

/// <summary>Follows a distribution as it happens (the CLI's progress display). Called from several threads at once.</summary>
public interface IDistributionObserver
{
    /// <summary>
    /// The submission is committed and its deliveries claimed by this node; the pushes start next. Called once by
    /// <see cref="Distributor.DistributeAsync"/>, before any other method.
    /// </summary>
    void Submitted(Submission submission)
    {
    }

    /// <summary>A delivery's push started; <paramref name="totalBytes"/> is the rendition's size.</summary>
    void Started(ClaimedDelivery delivery, long totalBytes);

    /// <summary>Bytes of a delivery moved (sent or read back for verification).</summary>
    void Progressed(ClaimedDelivery delivery, long bytes);

    /// <summary>
    /// A delivery's push is over (whatever its outcome) and the outcome is being written to the store: the delivery no
    /// longer uses its target. <see cref="Finished"/> follows once the outcome is written.
    /// </summary>
    void Writing(ClaimedDelivery delivery)
    {
    }

    /// <summary>A delivery's push ended.</summary>
    void Finished(DeliveryResult result);
}
