using Courier.Core.Configuration;
using Courier.Core.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Ingest;

/// <summary>The hosted loop around <see cref="WatchFolder"/>: a pass every <c>Courier:Ingest:WatchInterval</c>; a failed pass is logged and tried again.</summary>
public sealed partial class WatchFolderService : PeriodicService
{
    private readonly WatchFolder _folder;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;

    public WatchFolderService(WatchFolder folder, CourierOptions options, TimeProvider time, ILogger<WatchFolderService> logger)
        : base(time)
    {
        _folder = folder;
        _interval = options.Ingest.WatchInterval;
        _logger = logger;
    }

    protected override TimeSpan Interval => _interval;

    protected override void OnStarted() => LogWatching(_folder.Folder);

    protected override Task RunPassAsync(CancellationToken cancellationToken) => _folder.RunOnceAsync(cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogFailed(exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Folder} for videos to ingest")]
    private partial void LogWatching(string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watch folder pass failed; trying again")]
    private partial void LogFailed(Exception exception);
}
