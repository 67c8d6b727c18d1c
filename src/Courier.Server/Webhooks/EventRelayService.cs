using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Webhooks;

/// <summary>The hosted loop around <see cref="EventRelay"/>: a pass every <c>Notify:PollInterval</c>; a failed pass is logged and the loop goes on.</summary>
internal sealed partial class EventRelayService(EventRelay relay, NotifyOptions options, TimeProvider time, ILogger<EventRelayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await relay.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogPassFailed(e);
            }

            try
            {
                await Task.Delay(options.PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the event outbox failed; trying again")]
    private partial void LogPassFailed(Exception exception);
}
