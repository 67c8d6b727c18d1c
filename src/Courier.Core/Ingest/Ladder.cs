using Courier.Core.Domain;

namespace Courier.Core.Ingest;

/// <summary>
/// The rungs Courier can encode, and the choice of rungs for a source: the ones asked for, lowest first, never above the
/// source's height (Courier never upscales).
/// </summary>
public static class Ladder
{
    /// <summary>The rungs by name, lowest first.</summary>
    public static IReadOnlyList<LadderRung> Known { get; } =
    [
        new("240p", 240, 400, 64, "2.1"),
        new("360p", 360, 800, 96, "3.0"),
        new("480p", 480, 1400, 128, "3.0"),
        new("720p", 720, 2800, 128, "3.1"),
        new("1080p", 1080, 5000, 128, "4.0"),
    ];

    /// <summary>The default ladder: 360p, 720p, 1080p.</summary>
    public static IReadOnlyList<string> Default { get; } = Configuration.CourierDefaults.IngestLadder.Split(',');

    /// <summary>
    /// The rungs named in <paramref name="names"/> (null or empty: <paramref name="fallback"/>), lowest first, without
    /// repeats. Throws <see cref="BadInputException"/> (field <paramref name="field"/>) for a name Courier does not know.
    /// </summary>
    public static IReadOnlyList<LadderRung> Parse(IEnumerable<string>? names, IReadOnlyList<string> fallback, string field)
    {
        var chosen = new List<LadderRung>();
        var asked = names?.SelectMany(n => (n ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var name in asked is { Count: > 0 } ? asked : fallback)
        {
            var rung = Known.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new BadInputException(field, $"unknown ladder rung '{Names.Printable(name)}' (known: {string.Join(", ", Known.Select(r => r.Name))})");
            if (!chosen.Contains(rung))
            {
                chosen.Add(rung);
            }
        }

        return [.. chosen.OrderBy(r => r.Height)];
    }

    /// <summary>
    /// The rungs of <paramref name="ladder"/> that <paramref name="source"/> can fill without upscaling, lowest first.
    /// Throws <see cref="BadInputException"/> when none can.
    /// </summary>
    public static IReadOnlyList<LadderRung> Fit(IReadOnlyList<LadderRung> ladder, SourceProbe source, string field)
    {
        var fitting = ladder.Where(r => r.Height <= source.Height).OrderBy(r => r.Height).ToList();
        if (fitting.Count == 0)
        {
            throw new BadInputException(field, $"the source is {source.Width}x{source.Height}, smaller than every rung of the ladder ({string.Join(", ", ladder.Select(r => r.Name))}); Courier never upscales");
        }

        return fitting;
    }
}
