namespace Courier.Core.Domain;

/// <summary>
/// The words for <see cref="DeliveryState"/>, written once: the stores' <c>state</c> column, the API and its JSON, the
/// CLI's tables, the metrics' <c>state</c> label and the logs all use these.
/// </summary>
public static class DeliveryStates
{
    /// <summary>Claimed by a node that is pushing it now.</summary>
    public const string InFlight = "in_flight";

    /// <summary>In the failure queue, waiting for its due time.</summary>
    public const string Queued = "queued";

    /// <summary>Pushed and verified at the target.</summary>
    public const string Delivered = "delivered";

    /// <summary>Given up on until a person resubmits it.</summary>
    public const string Dead = "dead";

    /// <summary>A newer version was committed for the target first: terminal, not a failure.</summary>
    public const string Superseded = "superseded";

    /// <summary>A removal that is done and proven.</summary>
    public const string Removed = "removed";

    /// <summary>Waiting for its licence window to open: not pushed, not a failure.</summary>
    public const string Scheduled = "scheduled";

    private static readonly Dictionary<string, DeliveryState> ByName =
        Enum.GetValues<DeliveryState>().ToDictionary(s => s.Name(), StringComparer.Ordinal);

    /// <summary>Every state, in the order the metrics and the statistics list them.</summary>
    public static IReadOnlyList<DeliveryState> All { get; } = [DeliveryState.Delivered, DeliveryState.InFlight, DeliveryState.Queued, DeliveryState.Dead, DeliveryState.Superseded, DeliveryState.Removed, DeliveryState.Scheduled];

    /// <summary>The state's word: <c>in_flight</c>, <c>queued</c>, <c>delivered</c>, <c>dead</c>, <c>superseded</c>, <c>removed</c> or <c>scheduled</c>.</summary>
    public static string Name(this DeliveryState state) => state switch
    {
        DeliveryState.InFlight => InFlight,
        DeliveryState.Queued => Queued,
        DeliveryState.Delivered => Delivered,
        DeliveryState.Dead => Dead,
        DeliveryState.Superseded => Superseded,
        DeliveryState.Removed => Removed,
        DeliveryState.Scheduled => Scheduled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown delivery state"),
    };

    /// <summary>The state a word names, or false when it names none.</summary>
    public static bool TryParse(string? name, out DeliveryState state) => ByName.TryGetValue(name ?? string.Empty, out state);

    /// <summary>The delivery state a word read back from a store names; a word that names none means the ledger is damaged.</summary>
    public static DeliveryState Parse(string name) =>
        TryParse(name, out var parsed) ? parsed : throw new InvalidDataException($"unknown delivery state '{name}' in the store");
}
