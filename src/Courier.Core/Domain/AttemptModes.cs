namespace Courier.Core.Domain;

/// <summary>The words for <see cref="AttemptMode"/>, written once: the stores' <c>mode</c> column, the metrics' <c>mode</c> tag, logs and statistics.</summary>
public static class AttemptModes
{
    public const string Sync = "sync";
    public const string Async = "async";
    public const string Manual = "manual";

    /// <summary>The mode's word: <c>sync</c>, <c>async</c> or <c>manual</c>.</summary>
    public static string Name(this AttemptMode mode) => mode switch
    {
        AttemptMode.Sync => Sync,
        AttemptMode.Async => Async,
        AttemptMode.Manual => Manual,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown attempt mode"),
    };

    /// <summary>The mode a word names, or false when it names none.</summary>
    public static bool TryParse(string? name, out AttemptMode mode)
    {
        switch (name)
        {
            case Sync: mode = AttemptMode.Sync; return true;
            case Async: mode = AttemptMode.Async; return true;
            case Manual: mode = AttemptMode.Manual; return true;
            default: mode = default; return false;
        }
    }
}
