using Courier.Core.Configuration;
using Courier.Core.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Distribution;

/// <summary>Hosts <see cref="LicenceWindows"/>: a pass every <see cref="Tick"/> (or <c>Scan:Interval</c> when shorter).</summary>
public sealed partial class LicenceWindowService : PeriodicService
{
    /// <summary>The longest wait between two passes: a window opens or closes at most this late.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly LicenceWindows _windows;
    private readonly CourierOptions _options;
    private readonly ILogger _logger;

    public LicenceWindowService(LicenceWindows windows, TimeProvider time, CourierOptions options, ILogger<LicenceWindowService> logger)
        : base(time)
    {
        _windows = windows;
        _options = options;
        _logger = logger;
    }

    protected override TimeSpan Interval => _options.Scan.Interval < Tick ? _options.Scan.Interval : Tick;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => _windows.RunOnceAsync(cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogFailed(exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Opening or closing licence windows failed; trying again shortly")]
    private partial void LogFailed(Exception exception);
}
