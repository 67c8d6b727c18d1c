using Courier.Core.Domain;
using Courier.Core.Storage;

namespace Courier.Postgres.Tests;

/// <summary>Submissions for tests.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static NewVideoVersion Video(string videoId, string[] renditions, string[] targets, string fingerprint = "fp-1") => new(
        videoId,
        fingerprint,
        renditions.Select(r => new NewRendition(r, $"{videoId}/{r}.mp4", RenditionKind.File, $"{fingerprint}-{r}", 1000, 1)).ToList(),
        targets);

    public static DeliveryCompletion Delivered(ClaimedDelivery claim, DateTimeOffset now, string node = "node-a") => new(
        claim.Id, claim.LeaseToken, DeliveryState.Delivered, true, null, null, null, 1000, "abc",
        new AttemptRecord(AttemptMode.Async, true, null, null, 1000, TimeSpan.FromMilliseconds(12), now, node), now);

    public static DeliveryCompletion Failed(ClaimedDelivery claim, DateTimeOffset now, DateTimeOffset next, string node = "node-a") => new(
        claim.Id, claim.LeaseToken, DeliveryState.Queued, true, next, "503 Service Unavailable", "http_503", null, null,
        new AttemptRecord(AttemptMode.Sync, false, "503 Service Unavailable", "http_503", 10, TimeSpan.FromMilliseconds(5), now, node), now);

    public static DeliveryCompletion Dead(ClaimedDelivery claim, DateTimeOffset now, string node = "node-a") => new(
        claim.Id, claim.LeaseToken, DeliveryState.Dead, true, null, "403 Forbidden", "http_403", null, null,
        new AttemptRecord(AttemptMode.Sync, false, "403 Forbidden", "http_403", 0, TimeSpan.FromMilliseconds(5), now, node), now);
}
