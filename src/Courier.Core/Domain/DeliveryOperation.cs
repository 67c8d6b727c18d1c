namespace Courier.Core.Domain;

/// <summary>What a delivery does at its target: put the rendition there, or take it away.</summary>
public enum DeliveryOperation
{
    /// <summary>Push the rendition's files and verify them.</summary>
    Push,

    /// <summary>Delete every file of the rendition that Courier put at the target, playlists first, and prove each is gone.</summary>
    Remove,
}

/// <summary>The words for <see cref="DeliveryOperation"/>, written once (the stores' <c>operation</c> column, the API, the CLI).</summary>
public static class DeliveryOperations
{
    /// <summary>A push.</summary>
    public const string Push = "push";

    /// <summary>A removal.</summary>
    public const string Remove = "remove";

    /// <summary>The operation's word.</summary>
    public static string Name(this DeliveryOperation operation) => operation switch
    {
        DeliveryOperation.Push => Push,
        DeliveryOperation.Remove => Remove,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown delivery operation"),
    };

    /// <summary>The operation a word read back from a store names; a word that names none means the ledger is damaged.</summary>
    public static DeliveryOperation Parse(string name) => name switch
    {
        Push => DeliveryOperation.Push,
        Remove => DeliveryOperation.Remove,
        _ => throw new InvalidDataException($"unknown delivery operation '{name}' in the store"),
    };
}
