namespace Courier.Core.Storage;

/// <summary>
/// The store port: the durable ledger of videos, deliveries, attempts, node heartbeats and events.
/// The core decides; the store records, atomically, and guards every outcome with the lease token.
/// One compliance suite (<c>Courier.Store.Compliance</c>) holds every implementation to this contract.
/// It is the sum of six facets, as Wolverine's message store or Hangfire's storage split theirs: <see cref="IDeliveryQueue"/>
/// (submit, claim, complete), <see cref="INodeStore"/> (heartbeats), <see cref="IEventStore"/> (the outbox),
/// <see cref="IDeliveryQueries"/> (reads), <see cref="IStoreMaintenance"/> (schema, health, retention) and
/// <see cref="ICircuitStore"/> (targets found down). A store
/// implements this one interface; a consumer takes the facet it needs (each is registered, resolving to the same store).
/// All times are passed in by the caller (from its <see cref="TimeProvider"/>); the store never reads the clock, and keeps
/// them to the millisecond at least.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1040:Avoid empty interfaces", Justification = "The composite of the facets: what a store implements and what callers that need everything take.")]
public interface IDeliveryStore : IDeliveryQueue, INodeStore, IEventStore, IDeliveryQueries, IStoreMaintenance, ICircuitStore
{
}
