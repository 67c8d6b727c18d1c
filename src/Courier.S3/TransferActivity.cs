using Amazon.Runtime;

namespace Courier.S3;

/// <summary>
/// Passes AWSSDK's transfer progress of one request on to <c>ObjectPut.Activity</c>. The SDK reports in steps and may
/// leave the tail of a body unreported, so <see cref="Finish"/> reports the rest once the request is done.
/// </summary>
internal sealed class TransferActivity(IProgress<long>? activity) : IDisposable
{
    private long _reported;
    private bool _finished;

    public void OnProgress(object? sender, StreamTransferProgressArgs e)
    {
        if (activity is null || Volatile.Read(ref _finished))
        {
            return;
        }

        Interlocked.Add(ref _reported, e.IncrementTransferred);
        activity.Report(e.IncrementTransferred);
    }

    /// <summary>Reports what is left of <paramref name="bodyLength"/> bytes, now that the body has been accepted.</summary>
    public void Finish(long bodyLength)
    {
        Volatile.Write(ref _finished, true);
        var rest = bodyLength - Interlocked.Read(ref _reported);
        if (activity is not null && rest > 0)
        {
            activity.Report(rest);
        }
    }

    public void Dispose() => Volatile.Write(ref _finished, true);
}
