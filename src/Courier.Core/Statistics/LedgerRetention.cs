using Courier.Core.Configuration;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Statistics;

/// <summary>
/// Keeps the attempt ledger from growing without bound: attempts older than <c>Store:AttemptRetention</c> (30 days by
/// default) are folded into per-mode, per-target totals and deleted (<see cref="IStoreMaintenance.PruneAsync"/>), so the
/// statistics stay whole. Safe to run on every node at once.
/// </summary>
public sealed partial class LedgerRetention
{
    private readonly IStoreMaintenance _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly ILogger _logger;

    public LedgerRetention(IStoreMaintenance store, TimeProvider time, CourierOptions options, ILogger<LedgerRetention> logger)
    {
        _store = store;
        _time = time;
        _retention = options.Store.AttemptRetention;
        _logger = logger;
    }

    /// <summary>One pass: returns how many attempts were folded into the totals and deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await _store.PruneAsync(_time.GetUtcNow() - _retention, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogPruned(removed, _retention.TotalDays);
        }

        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention folded {Count} attempts older than {Days} days into the statistics totals")]
    private partial void LogPruned(int count, double days);
}
