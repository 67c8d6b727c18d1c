namespace Courier.Core.Storage;

/// <summary>The progress of one event consumer (a webhook): the last event it handled and its retry state.</summary>
public sealed record ConsumerState(string Consumer, long Position, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);
