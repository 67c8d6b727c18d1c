using Courier.Core.Distribution;
using Courier.Core.Storage;

namespace Courier.Cli.Output;

/// <summary>For redirected output: one plain line per delivery as it finishes (rendition, target, state, bytes, time, error).</summary>
internal sealed class PlainProgressObserver(TextWriter writer) : IDistributionObserver
{
    private readonly Lock _lock = new();

    public void Started(ClaimedDelivery delivery, long totalBytes)
    {
    }

    public void Progressed(ClaimedDelivery delivery, long bytes)
    {
    }

    public void Finished(DeliveryResult result)
    {
        var line = $"{result.Rendition} -> {result.Target}: {Format.State(result.State)}, {Format.Bytes(result.Bytes)} in {Format.Duration(result.Duration)}";
        if (result.Error is not null)
        {
            line += $", error: {Logging.CompactLoggerProvider.OneLine(result.Error)}";
        }

        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
