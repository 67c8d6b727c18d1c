using Courier.Core.Configuration;
using Courier.Core.Hosting;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The hosted work loop around <see cref="RetryScanner.RunUntilIdleAsync"/>: runs the due work every <c>Scan:Interval</c>, or at
/// once when woken, until nothing is due; logs a failed pass and goes on. Housekeeping
/// (reclaim, probes, deadlines) runs beside it in <see cref="ScanHousekeepingService"/>. On shutdown, the host's
/// <see cref="NodeSession"/> releases what this node still holds.
/// </summary>
public sealed partial class RetryScannerService : PeriodicService
{
    private readonly RetryScanner _scanner;
    private readonly ScanSignal _signal;
    private readonly NodeIdentity _node;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public RetryScannerService(RetryScanner scanner, ScanSignal signal, NodeIdentity node, TimeProvider time, CourierOptions options, ILogger<RetryScannerService> logger)
        : base(time)
    {
        _scanner = scanner;
        _signal = signal;
        _node = node;
        _options = options;
        _logger = logger;
    }

    protected override TimeSpan Interval => _options.Scan.Interval;

    protected override void OnStarted() => LogStarted(_node.Id, _options.Scan.Interval.TotalSeconds);

    /// <summary>The due work, until nothing is due (<see cref="RetryScanner.RunUntilIdleAsync"/>).</summary>
    protected override Task RunPassAsync(CancellationToken cancellationToken) => _scanner.RunUntilIdleAsync(cancellationToken);

    protected override Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken) =>
        _signal.WaitAsync(interval, time, cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogScanFailed(exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scanner of node {Node} started: every {IntervalSeconds} s")]
    private partial void LogStarted(string node, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan failed; trying again at the next interval")]
    private partial void LogScanFailed(Exception exception);
}
