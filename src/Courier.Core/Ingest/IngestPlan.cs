using Courier.Core.Domain;
using Courier.Core.Sources;

namespace Courier.Core.Ingest;

/// <summary>An ingest checked and probed, ready to run: nothing is written or stored yet.</summary>
/// <param name="VideoId">The video id.</param>
/// <param name="Source">The source file, resolved under the source root.</param>
/// <param name="Probe">What the source holds.</param>
/// <param name="Rungs">The rungs to encode, lowest first, none above the source.</param>
/// <param name="Targets">The targets, checked.</param>
public sealed record IngestPlan(string VideoId, RenditionContent Source, SourceProbe Probe, IReadOnlyList<LadderRung> Rungs, IReadOnlyList<string> Targets)
{
    /// <summary>The licence window every rung's submission carries, or null.</summary>
    public LicenceWindow? Window { get; init; }
}
