using Courier.Core.Configuration;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// Licence windows (<c>availableFrom</c>, <c>availableUntil</c>). A pass opens the windows whose start has come (their
/// <c>scheduled</c> deliveries become <c>queued</c>, due now, and the scanner is woken to push them) and closes those whose
/// end has passed: the video is taken down from every target it was sent to, with the takedown of
/// <see cref="Distributor.RemoveAsync"/> (durable, retried like a push), committed once per window.
/// </summary>
public sealed partial class LicenceWindows
{
    private readonly IDeliveryStore _store;
    private readonly Distributor _distributor;
    private readonly ScanSignal _signal;
    private readonly TimeProvider _time;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public LicenceWindows(IDeliveryStore store, Distributor distributor, ScanSignal signal, TimeProvider time, CourierOptions options, ILogger<LicenceWindows> logger)
    {
        _store = store;
        _distributor = distributor;
        _signal = signal;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>One pass: opens the windows that started, closes those that ended. Returns the deliveries opened and the videos taken down.</summary>
    public async Task<(int Opened, int Closed)> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var opened = await _store.OpenScheduledAsync(now, cancellationToken).ConfigureAwait(false);
        if (opened > 0)
        {
            LogOpened(opened);
            _signal.Wake();
        }

        var closed = 0;
        foreach (var videoId in await _store.ClosedWindowsAsync(now, _options.Scan.BatchSize, cancellationToken).ConfigureAwait(false))
        {
            var removal = await _distributor.RemoveAsync(videoId, null, cancellationToken).ConfigureAwait(false);
            if (removal is null)
            {
                continue;
            }

            closed++;
            LogClosed(videoId, removal.Version);
            await _distributor.PushAsync(removal, null, cancellationToken).ConfigureAwait(false);
        }

        return (opened, closed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Licence window opened: {Count} scheduled deliveries queued")]
    private partial void LogOpened(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Licence window of {VideoId} closed: taking it down (version {Version})")]
    private partial void LogClosed(string videoId, int version);
}
