using Courier.Core.Storage;

namespace Courier.Core.Distribution;

/// <summary>Follows pushes as they happen (the CLI's progress display). Called from several threads at once.</summary>
public interface IDistributionObserver
{
    /// <summary>A delivery's push started; <paramref name="totalBytes"/> is the rendition's size.</summary>
    void Started(ClaimedDelivery delivery, long totalBytes);

    /// <summary>Bytes of a delivery moved (sent or read back for verification).</summary>
    void Progressed(ClaimedDelivery delivery, long bytes);

    /// <summary>A delivery's push ended.</summary>
    void Finished(DeliveryResult result);
}
