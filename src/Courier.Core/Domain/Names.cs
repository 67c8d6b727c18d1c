using System.Text.RegularExpressions;

namespace Courier.Core.Domain;

/// <summary>Validation of caller-chosen names: video ids and rendition names.</summary>
public static partial class Names
{
    /// <summary>The longest video id or rendition name accepted.</summary>
    public const int MaxLength = 128;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>True when <paramref name="value"/> is a valid video id or rendition name: <c>[A-Za-z0-9._-]{1,128}</c>, not <c>.</c> or <c>..</c>.</summary>
    public static bool IsValid(string? value) =>
        value is not null && value != "." && value != ".." && NamePattern().IsMatch(value);

    /// <summary>Why <paramref name="value"/> is not a valid name, or null when it is.</summary>
    public static string? Problem(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is required";
        }

        if (value.Length > MaxLength)
        {
            return $"{what} is longer than {MaxLength} characters";
        }

        return IsValid(value) ? null : $"{what} '{Printable(value)}' must be 1-128 of A-Z a-z 0-9 . _ - and not '.' or '..'";
    }

    /// <summary>A value safe to echo in an error message: control characters escaped, long values cut.</summary>
    public static string Printable(string value)
    {
        var cut = value.Length > 80 ? value[..80] + "…" : value;
        var chars = cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return string.Concat(chars);
    }
}
