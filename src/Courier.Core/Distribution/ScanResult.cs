namespace Courier.Core.Distribution;

/// <summary>What one scan did.</summary>
/// <param name="Reclaimed">In-flight deliveries of dead nodes taken back into the queue.</param>
/// <param name="Claimed">Due deliveries claimed and run.</param>
/// <param name="Delivered">Of those, delivered.</param>
/// <param name="Queued">Of those, back in the queue.</param>
/// <param name="Dead">Of those, dead.</param>
/// <param name="DeadlinesMissed">Deliveries newly flagged as past the deadline threshold.</param>
/// <param name="MastersPublished">Multivariant playlists of ingested versions published by the recovery (<see cref="Ingest.MasterPublisher.RecoverAsync"/>).</param>
public sealed record ScanResult(int Reclaimed, int Claimed, int Delivered, int Queued, int Dead, int DeadlinesMissed, int MastersPublished = 0);
