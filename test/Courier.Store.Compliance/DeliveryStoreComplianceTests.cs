using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>
/// The contract of <see cref="IDeliveryStore"/>, written once and run against every store (Wolverine's ComplianceTests,
/// River's driver tests). A store's test project subclasses this class, gives it a fresh store per test through
/// <see cref="CreateStoreAsync"/>, and cleans up in <see cref="DisposeStoreAsync"/>. The suite migrates the store itself.
/// Times are fixed whole-millisecond <see cref="DateTimeOffset"/>s passed in, as the store never reads the clock.
/// </summary>
public abstract partial class DeliveryStoreComplianceTests : IAsyncLifetime
{
    /// <summary>A fixed "now" the tests count from.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private IDeliveryStore? _store;

    /// <summary>The store under test: fresh, empty and migrated, one per test.</summary>
    protected IDeliveryStore Store => _store ?? throw new InvalidOperationException("the store is created in InitializeAsync");

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Returns a new store over a fresh, empty database of its own (a temp file, a new database or schema), not migrated yet:
    /// the suite calls <see cref="IStoreMaintenance.MigrateAsync"/>. Called once before each test.
    /// </summary>
    protected abstract Task<IDeliveryStore> CreateStoreAsync();

    /// <summary>Removes what <see cref="CreateStoreAsync"/> made (after the store is disposed, when it is disposable).</summary>
    protected virtual ValueTask DisposeStoreAsync() => ValueTask.CompletedTask;

    public virtual async ValueTask InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.MigrateAsync(Ct);
    }

    public virtual async ValueTask DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    // ---- helpers: submissions, completions, attempts ----

    /// <summary>A submission of <paramref name="renditions"/> × <paramref name="targets"/>; the content is named by <paramref name="fingerprint"/>.</summary>
    protected static NewVideoVersion Video(string videoId, string fingerprint, IReadOnlyList<string> renditions, IReadOnlyList<string> targets) =>
        new(
            videoId,
            fingerprint,
            renditions.Select(r => new NewRendition(r, $"{videoId}/{r}.mp4", RenditionKind.File, $"{fingerprint}:{r}", 1000 + r.Length, 1)).ToList(),
            targets);

    protected Task<SubmitResult> SubmitAsync(string videoId, IReadOnlyList<string> renditions, IReadOnlyList<string> targets, string fingerprint = "content-1", string node = "node-a", DateTimeOffset? at = null) =>
        Store.SubmitAsync(Video(videoId, fingerprint, renditions, targets), node, at ?? T0, Ct);

    /// <summary>Submits a video with one rendition (<c>720p</c>) to one target and returns its claim.</summary>
    protected async Task<ClaimedDelivery> OneAsync(string videoId, string target = "cdn-a", DateTimeOffset? at = null, string node = "node-a")
    {
        var result = await SubmitAsync(videoId, ["720p"], [target], node: node, at: at);
        return result.Claimed.ShouldHaveSingleItem();
    }

    protected static AttemptRecord Attempt(AttemptMode mode, bool succeeded, DateTimeOffset startedAt, long bytes = 100, string node = "node-a", string? error = null, string? errorKind = null) =>
        new(mode, succeeded, succeeded ? null : error ?? "503 Service Unavailable", succeeded ? null : errorKind ?? "http_503", bytes, TimeSpan.FromMilliseconds(1500), startedAt, node);

    protected static DeliveryCompletion Delivered(ClaimedDelivery claim, DateTimeOffset now, AttemptMode mode = AttemptMode.Sync, long bytes = 1000, Guid? token = null, DateTimeOffset? startedAt = null) =>
        DeliveryCompletion.Delivered(claim, bytes, "sha256-of-content", Attempt(mode, true, startedAt ?? now - TimeSpan.FromSeconds(1), bytes), now) with { LeaseToken = token ?? claim.LeaseToken };

    protected static DeliveryCompletion Queued(ClaimedDelivery claim, DateTimeOffset now, DateTimeOffset next, AttemptMode mode = AttemptMode.Sync, Guid? token = null, DateTimeOffset? startedAt = null, string error = "503 Service Unavailable", string errorKind = "http_503") =>
        DeliveryCompletion.Failed(claim, DeliveryState.Queued, next, error, errorKind, Attempt(mode, false, startedAt ?? now - TimeSpan.FromSeconds(1), 10, error: error, errorKind: errorKind), now) with { LeaseToken = token ?? claim.LeaseToken };

    protected static DeliveryCompletion Dead(ClaimedDelivery claim, DateTimeOffset now, string error = "403 Forbidden", string errorKind = "http_403", AttemptMode mode = AttemptMode.Sync, Guid? token = null) =>
        DeliveryCompletion.Failed(claim, DeliveryState.Dead, null, error, errorKind, Attempt(mode, false, now - TimeSpan.FromSeconds(1), 0, error: error, errorKind: errorKind), now) with { LeaseToken = token ?? claim.LeaseToken };

    /// <summary>Completes a claim and insists the store accepted it.</summary>
    protected async Task CompleteAsync(DeliveryCompletion completion) =>
        (await Store.CompleteAsync(completion, Ct)).ShouldBeTrue($"the completion of {completion.DeliveryId} as {completion.State} was refused");

    /// <summary>Claims everything due at <paramref name="now"/> for <paramref name="node"/>.</summary>
    protected Task<IReadOnlyList<ClaimedDelivery>> ClaimAllAsync(DateTimeOffset now, string node = "node-a") => Store.ClaimDueAsync(node, 10_000, now, [], Ct);

    /// <summary>Drives a fresh delivery of <paramref name="videoId"/> to <c>dead</c> and returns its id.</summary>
    protected async Task<Guid> DeadAsync(string videoId, string target = "cdn-a", string errorKind = "http_403", DateTimeOffset? at = null)
    {
        var claim = await OneAsync(videoId, target, at);
        await CompleteAsync(Dead(claim, (at ?? T0) + TimeSpan.FromSeconds(1), errorKind: errorKind));
        return claim.Id;
    }

    protected async Task<DeliveryView> DeliveryAsync(Guid id) => (await Store.GetDeliveryAsync(id, Ct)).ShouldNotBeNull($"delivery {id} is missing");

    protected Task<IReadOnlyList<CourierEvent>> EventsAsync() => Store.ReadEventsAsync(0, 10_000, Ct);
}
