namespace Courier.Core.Storage;

/// <summary>
/// A target's circuit as the store shares it: down until <paramref name="DownUntil"/> (null: up), the node that found it
/// down probes it next at <paramref name="NextProbeAt"/>; <paramref name="LastError"/> is why it is down.
/// </summary>
public sealed record TargetCircuitState(string Target, DateTimeOffset? DownUntil, DateTimeOffset? NextProbeAt, string? LastError, string NodeId, DateTimeOffset UpdatedAt);
