using System.Collections.Concurrent;
using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Webhooks;

/// <summary>
/// Delivers the store's durable event outbox to its consumers (each webhook, and the time-to-distributed recorder), one
/// pass at a time (<see cref="RunOnceAsync"/>). Each consumer is leased in the store, so one node serves it; its position
/// moves past an event only once the event is handled (at-least-once). A failed call is tried again with capped,
/// jittered backoff, forever: an event is never skipped, and a consumer that keeps failing is reported as stuck.
/// </summary>
internal sealed partial class EventRelay
{
    private const int BatchSize = 50;
    private readonly IEventStore _store;
    private readonly IReadOnlyList<IEventConsumer> _consumers;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly NotifyOptions _options;
    private readonly RetryPolicy _backoff;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ConsumerStatus> _status = new(StringComparer.Ordinal);

    public EventRelay(IEventStore store, IEnumerable<IEventConsumer> consumers, NodeIdentity node, TimeProvider time, NotifyOptions options, ILogger<EventRelay> logger)
    {
        _store = store;
        _consumers = consumers.ToList();
        _node = node;
        _time = time;
        _options = options;
        _logger = logger;
        _backoff = new RetryPolicy(new RetryOptions { FirstDelay = options.FirstRetryDelay, MaxDelay = options.MaxRetryDelay, MaxAttempts = int.MaxValue });
    }

    /// <summary>When the last pass ended.</summary>
    public DateTimeOffset? LastRunAt { get; private set; }

    /// <summary>The webhooks as this node last saw them.</summary>
    public IReadOnlyList<ConsumerStatus> Webhooks =>
        _consumers.OfType<WebhookSender>().Select(c => _status.GetValueOrDefault(c.Name) ?? new ConsumerStatus(c.Name, 0, 0, null, null, false, false, null)).ToList();

    /// <summary>
    /// One pass over every consumer, side by side (a receiver that hangs until the timeout does not hold the others up).
    /// Returns how many events were handled. Store failures are thrown.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var handled = await Task.WhenAll(_consumers.Select(c => RunConsumerAsync(c, cancellationToken))).ConfigureAwait(false);
        LastRunAt = _time.GetUtcNow();
        return handled.Sum();
    }

    private async Task<int> RunConsumerAsync(IEventConsumer consumer, CancellationToken cancellationToken)
    {
        var leaseFor = _options.Timeout * 4 + _options.PollInterval * 4 + TimeSpan.FromSeconds(30);
        var state = await _store.TryLeaseConsumerAsync(consumer.Name, _node.Id, _time.GetUtcNow(), leaseFor, cancellationToken).ConfigureAwait(false);
        var previous = _status.GetValueOrDefault(consumer.Name);
        if (state is null)
        {
            _status[consumer.Name] = (previous ?? new ConsumerStatus(consumer.Name, 0, 0, null, null, false, true, null)) with { HeldByOtherNode = true };
            return 0;
        }

        var lastDelivered = previous?.LastDeliveredAt;
        void Remember(ConsumerState s) => _status[consumer.Name] = new ConsumerStatus(
            consumer.Name, s.Position, s.Attempts, s.NextAttemptAt, s.LastError, s.Attempts >= ServerDefaults.NotifyStuckAfter, false, lastDelivered);

        Remember(state);
        if (state.NextAttemptAt is { } due && due > _time.GetUtcNow())
        {
            return 0;
        }

        var events = await _store.ReadEventsAsync(state.Position, BatchSize, cancellationToken).ConfigureAwait(false);
        var handled = 0;
        foreach (var courierEvent in events)
        {
            if (!consumer.Wants(courierEvent.Type))
            {
                state = state with { Position = courierEvent.Id };
                continue;
            }

            var error = await consumer.HandleAsync(courierEvent, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            if (error is null)
            {
                state = new ConsumerState(consumer.Name, courierEvent.Id, 0, null, null);
                lastDelivered = now;
                handled++;
                if (!await SaveAsync(consumer, state, cancellationToken).ConfigureAwait(false))
                {
                    return handled;
                }

                continue;
            }

            var attempts = state.Attempts + 1;
            var next = now + _backoff.Delay(attempts);
            state = state with { Attempts = attempts, NextAttemptAt = next, LastError = Names.Printable(error) };
            LogCallFailed(consumer.Name, courierEvent.Type, courierEvent.Id, attempts, error, next);
            await SaveAsync(consumer, state, cancellationToken).ConfigureAwait(false);
            return handled;
        }

        if (events.Count > 0)
        {
            await SaveAsync(consumer, state, cancellationToken).ConfigureAwait(false);
        }

        return handled;

        async Task<bool> SaveAsync(IEventConsumer c, ConsumerState s, CancellationToken ct)
        {
            var saved = await _store.SaveConsumerAsync(_node.Id, s, ct).ConfigureAwait(false);
            if (saved)
            {
                Remember(s);
            }
            else
            {
                LogLeaseLost(c.Name);
            }

            return saved;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} failed on {EventType} #{EventId} (attempt {Attempt}): {Error}; next try at {NextAttemptAt}")]
    private partial void LogCallFailed(string consumer, string eventType, long eventId, int attempt, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} was taken over by another node")]
    private partial void LogLeaseLost(string consumer);
}
