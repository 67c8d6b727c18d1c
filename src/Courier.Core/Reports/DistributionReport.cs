using Courier.Core.Distribution;

namespace Courier.Core.Reports;

/// <summary>The synchronous path's answer: the video as it stands after the push, and what this call did per delivery.</summary>
public sealed record DistributionReport(VideoReport Video, IReadOnlyList<DeliveryResult> Results);
