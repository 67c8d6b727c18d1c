using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Statistics;

/// <summary>The hosted loop around <see cref="LedgerRetention"/>: a pass at start-up, then every <see cref="Interval"/>; a failed pass is logged and tried again.</summary>
public sealed partial class LedgerRetentionService : BackgroundService
{
    /// <summary>How often retention runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly LedgerRetention _retention;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LedgerRetentionService(LedgerRetention retention, TimeProvider time, ILogger<LedgerRetentionService> logger)
    {
        _retention = retention;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                await _retention.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention pass failed; trying again in an hour")]
    private partial void LogFailed(Exception exception);
}
