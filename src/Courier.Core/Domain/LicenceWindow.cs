using System.Globalization;
using System.Text.RegularExpressions;

namespace Courier.Core.Domain;

/// <summary>
/// A submission's licence window (<c>availableFrom</c>, <c>availableUntil</c>; either may be open). Before
/// <see cref="From"/> its deliveries wait <c>scheduled</c>; after <see cref="Until"/> the video is taken down from its
/// targets.
/// </summary>
/// <param name="From">When the video may be pushed; null: at once.</param>
/// <param name="Until">When the video must be taken down; null: never.</param>
public sealed partial record LicenceWindow(DateTimeOffset? From, DateTimeOffset? Until)
{
    /// <summary>
    /// The window of a submission, from its ISO 8601 fields (<c>2026-12-01T18:00:00Z</c>; without an offset, UTC), or null
    /// when neither is given. Throws <see cref="BadInputException"/> naming the field for a date that does not parse, an end
    /// that is not after the start, or an end already past.
    /// </summary>
    public static LicenceWindow? Parse(string? availableFrom, string? availableUntil, DateTimeOffset now)
    {
        var from = ParseTime(availableFrom, "availableFrom");
        var until = ParseTime(availableUntil, "availableUntil");
        if (from is null && until is null)
        {
            return null;
        }

        if (until is { } end && from is { } start && end <= start)
        {
            throw new BadInputException("availableUntil", $"availableUntil ({Format(end)}) must be after availableFrom ({Format(start)})");
        }

        if (until is { } past && past <= now)
        {
            throw new BadInputException("availableUntil", $"availableUntil ({Format(past)}) is already past: the window would be closed before it opened");
        }

        return new LicenceWindow(from, until);
    }

    /// <summary>The window as a line of a version key: submissions with another window are another version.</summary>
    public string Key => $"window:{(From is { } f ? Format(f) : "-")}/{(Until is { } u ? Format(u) : "-")}";

    /// <summary>The round-trip UTC form (<c>2026-12-01T18:00:00.0000000Z</c>).</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(string? text, string field)
    {
        if (text is null)
        {
            return null;
        }

        // ISO 8601 only: a culture's form such as 12/01/2030 would parse too, and mean 1 December or 12 January by who wrote it.
        if (!IsoForm().IsMatch(text.Trim()) || !DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new BadInputException(field, $"{field} '{Names.Printable(text)}' is not an ISO 8601 date and time (e.g. 2026-12-01T18:00:00Z)");
        }

        return time.ToUniversalTime();
    }

    /// <summary>An ISO 8601 date, with a time (<c>T</c> or a space; seconds and fractions optional) and offset (<c>Z</c>, <c>+01:00</c>, <c>+0100</c>) optional.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoForm();
}
