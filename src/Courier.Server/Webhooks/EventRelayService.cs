using Courier.Core.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Webhooks;

/// <summary>The hosted loop around <see cref="EventRelay"/>: a pass every <c>Notify:PollInterval</c>; a failed pass is logged and the loop goes on.</summary>
internal sealed partial class EventRelayService(EventRelay relay, NotifyOptions options, TimeProvider time, ILogger<EventRelayService> logger)
    : PeriodicService(time)
{
    protected override TimeSpan Interval => options.PollInterval;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => relay.RunOnceAsync(cancellationToken);

    protected override void OnPassFailed(Exception exception) => LogPassFailed(exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the event outbox failed; trying again")]
    private partial void LogPassFailed(Exception exception);
}
