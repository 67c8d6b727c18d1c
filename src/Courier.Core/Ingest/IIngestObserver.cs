using Courier.Core.Distribution;

namespace Courier.Core.Ingest;

/// <summary>Told how an ingest goes, for progress displays. Calls may come from several threads.</summary>
public interface IIngestObserver
{
    /// <summary>The rungs that will be encoded, lowest first, once the source is probed.</summary>
    void Planned(IReadOnlyList<LadderRung> rungs);

    /// <summary>The share (0 to 1) of a rung's transcode done, as the transcoder reports it.</summary>
    void Transcoding(string rendition, double share);

    /// <summary>A rung is encoded and submitted; returns the observer of its push, if any.</summary>
    IDistributionObserver? Submitted(Submission submission);
}
