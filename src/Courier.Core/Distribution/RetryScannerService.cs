using Courier.Core.Configuration;
using Courier.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>
/// The hosted loop around <see cref="RetryScanner"/>: scans every <c>Scan:Interval</c>, or at once when woken; scans again
/// straight away while batches come back full; logs a failed scan and goes on. On shutdown, the host's
/// <see cref="NodeSession"/> releases what this node still holds.
/// </summary>
public sealed partial class RetryScannerService : BackgroundService
{
    private readonly RetryScanner _scanner;
    private readonly ScanSignal _signal;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public RetryScannerService(RetryScanner scanner, ScanSignal signal, NodeIdentity node, TimeProvider time, CourierOptions options, ILogger<RetryScannerService> logger)
    {
        _scanner = scanner;
        _signal = signal;
        _node = node;
        _time = time;
        _options = options;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_node.Id, _options.Scan.Interval.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                ScanResult result;
                do
                {
                    result = await _scanner.RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                while (result.Claimed >= _options.Scan.BatchSize && !stoppingToken.IsCancellationRequested);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogScanFailed(e);
            }

            try
            {
                await _signal.WaitAsync(_options.Scan.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scanner of node {Node} started: every {IntervalSeconds} s")]
    private partial void LogStarted(string node, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan failed; trying again at the next interval")]
    private partial void LogScanFailed(Exception exception);
}
