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

    /// <summary>
    /// A folder under the source root that <c>courier serve</c> watches: every file dropped there (once its size has not
    /// changed for <see cref="SettleTime"/>) is ingested, the video id taken from its file name, then moved to <c>done/</c>,
    /// or to <c>failed/</c> with a <c>.error</c> text beside it. <value>The default is none (no folder is watched).</value>
    /// </summary>
    public string? WatchFolder { get; set; }

    /// <summary>How often the watch folder is looked at. <value>The default is 2 seconds.</value></summary>
    public TimeSpan WatchInterval { get; set; } = CourierDefaults.IngestWatchInterval;

    /// <summary>How long a dropped file's size and time must stay the same before it is taken as complete. <value>The default is 3 seconds.</value></summary>
    public TimeSpan SettleTime { get; set; } = CourierDefaults.IngestSettleTime;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (WatchFolder is { Length: > 0 } folder && (Path.IsPathRooted(folder) || folder.Split('/', '\\').Contains("..")))
        {
            yield return new($"{section}:WatchFolder", $"{section}:WatchFolder must be a folder under the source root, relative to it (e.g. \"incoming\"), not '{Domain.Names.Printable(folder)}'");
        }

        foreach (var problem in ConfigurationProblems.Positive(WatchInterval, $"{section}:WatchInterval").Concat(ConfigurationProblems.Positive(SettleTime, $"{section}:SettleTime")))
        {
            yield return problem;
        }

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
