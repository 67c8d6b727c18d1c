using Courier.Core.Configuration;
using Courier.Core.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The scanner's housekeeping on its own schedule (<see cref="RetryScanner.HousekeepAsync"/>), apart from the work loop
/// so a long push never delays it: looks every <see cref="Tick"/> (or <c>Scan:Interval</c> when shorter) for targets due
/// for a probe, and once per <c>Scan:Interval</c> takes back the work of stopped nodes and flags missed deadlines.
/// </summary>
public sealed partial class ScanHousekeepingService : PeriodicService
{
    /// <summary>The longest wait between two looks for a probe to run.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly RetryScanner _scanner;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public ScanHousekeepingService(RetryScanner scanner, TimeProvider time, CourierOptions options, ILogger<ScanHousekeepingService> logger)
        : base(time)
    {
        _scanner = scanner;
        _options = options;
        _logger = logger;
    }

    protected override TimeSpan Interval => _options.Scan.Interval < Tick ? _options.Scan.Interval : Tick;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => _scanner.HousekeepAsync(sweep: false, cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogFailed(exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan housekeeping failed; trying again shortly")]
    private partial void LogFailed(Exception exception);
}
