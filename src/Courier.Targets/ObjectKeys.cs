using Courier.Core.Targets;

namespace Courier.Targets;

/// <summary>Checks and splits object keys, and names the temp objects a push writes before it lands under its key.</summary>
internal static class ObjectKeys
{
    /// <summary>The error kind of a key a target refuses (permanent: the same key will never do).</summary>
    public const string BadKey = ErrorKinds.BadKey;

    /// <summary>The marker in every temp name, so an operator can find (and sweep) what an interrupted push left.</summary>
    public const string TempMarker = ".courier-tmp-";

    /// <summary>The longest part of a file name kept in its temp names.</summary>
    public const int MaxNameInTempName = 40;

    /// <summary>
    /// The '/'-separated segments of <paramref name="key"/>. Refuses an empty key, an empty segment (leading, trailing or
    /// doubled '/'), a '.' or '..' segment and a NUL character: such a key could land outside the target's root.
    /// </summary>
    public static string[] Split(string target, string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw Bad(target, key, "is empty");
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw Bad(target, key, "contains a NUL character");
        }

        var segments = key.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0)
            {
                throw Bad(target, key, "has an empty segment (a leading, trailing or doubled '/')");
            }

            if (segment is "." or "..")
            {
                throw Bad(target, key, "has a '.' or '..' segment");
            }
        }

        return segments;
    }

    /// <summary>
    /// A fresh temp name for an object named <paramref name="name"/>, for the same directory: <c>.{name}.courier-tmp-{guid}</c>.
    /// Hidden (leading dot), unique, and short enough for any file system however long the name is.
    /// </summary>
    public static string TempName(string name)
    {
        var cut = name.Length <= MaxNameInTempName ? name : name[..MaxNameInTempName];
        if (cut.Length > 0 && char.IsHighSurrogate(cut[^1]))
        {
            cut = cut[..^1];
        }

        return $".{cut}{TempMarker}{Guid.NewGuid():N}";
    }

    private static TargetException Bad(string target, string key, string why) =>
        new(target, $"object key '{Core.Domain.Names.Printable(key)}' {why}", isTransient: false, BadKey);
}
