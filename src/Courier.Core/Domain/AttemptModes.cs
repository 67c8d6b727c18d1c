namespace Courier.Core.Domain;

/// <summary>The words for <see cref="AttemptMode"/>, written once: the stores' <c>mode</c> column, the metrics' <c>mode</c> tag, logs and statistics.</summary>
public static class AttemptModes
{
    /// <summary>The synchronous push at submit.</summary>
    public const string Sync = "sync";

    /// <summary>The scanner's retry from the failure queue.</summary>
    public const string Async = "async";

    /// <summary>A person's resubmission.</summary>
    public const string Manual = "manual";

    private static readonly Dictionary<string, AttemptMode> ByName =
        Enum.GetValues<AttemptMode>().ToDictionary(m => m.Name(), StringComparer.Ordinal);

    /// <summary>The mode's word: <c>sync</c>, <c>async</c> or <c>manual</c>.</summary>
    public static string Name(this AttemptMode mode) => mode switch
    {
        AttemptMode.Sync => Sync,
        AttemptMode.Async => Async,
        AttemptMode.Manual => Manual,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown attempt mode"),
    };

    /// <summary>The mode a word names, or false when it names none.</summary>
    public static bool TryParse(string? name, out AttemptMode mode) => ByName.TryGetValue(name ?? string.Empty, out mode);

    /// <summary>The attempt mode a word read back from a store names; a word that names none means the ledger is damaged.</summary>
    public static AttemptMode Parse(string name) =>
        TryParse(name, out var parsed) ? parsed : throw new InvalidDataException($"unknown attempt mode '{name}' in the store");
}
