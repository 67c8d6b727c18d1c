using Courier.Core.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Statistics;

/// <summary>The hosted loop around <see cref="LedgerRetention"/>: a pass at start-up, then every <see cref="Every"/>; a failed pass is logged and tried again.</summary>
public sealed partial class LedgerRetentionService : PeriodicService
{
    /// <summary>How often retention runs.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    private readonly LedgerRetention _retention;
    private readonly ILogger _logger;

    public LedgerRetentionService(LedgerRetention retention, TimeProvider time, ILogger<LedgerRetentionService> logger)
        : base(time)
    {
        _retention = retention;
        _logger = logger;
    }

    protected override TimeSpan Interval => Every;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => _retention.RunOnceAsync(cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogFailed(exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention pass failed; trying again in an hour")]
    private partial void LogFailed(Exception exception);
}
