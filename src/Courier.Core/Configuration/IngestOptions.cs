namespace Courier.Core.Configuration;

/// <summary>The <c>Courier:Ingest</c> section: transcoding a source into the ladder (the tool's own settings are in <c>Courier:Ingest:Ffmpeg</c>).</summary>
public sealed class IngestOptions : IValidatableOptions
{
    /// <summary>The rungs an ingest encodes when the caller names none, comma-separated. <value>The default is <c>360p,720p,1080p</c>.</value></summary>
    public string Ladder { get; set; } = CourierDefaults.IngestLadder;

    /// <summary>The rung names of <see cref="Ladder"/>.</summary>
    public IReadOnlyList<string> LadderNames => Ladder.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The length of each HLS segment. <value>The default is 4 seconds.</value></summary>
    public TimeSpan SegmentDuration { get; set; } = CourierDefaults.IngestSegmentDuration;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        foreach (var problem in ConfigurationProblems.Positive(SegmentDuration, $"{section}:SegmentDuration"))
        {
            yield return problem;
        }

        var unknown = LadderNames.Where(n => !Ingest.Ladder.Known.Any(r => string.Equals(r.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0 || LadderNames.Count == 0)
        {
            yield return new($"{section}:Ladder", $"{section}:Ladder must name rungs from {string.Join(", ", Ingest.Ladder.Known.Select(r => r.Name))}{(unknown.Count > 0 ? $", not {string.Join(", ", unknown)}" : string.Empty)}");
        }
    }
}
