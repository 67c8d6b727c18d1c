namespace Courier.Core.Distribution;

/// <summary>The identity of this process in the store: it owns the deliveries it claims and keeps a heartbeat for them.</summary>
public sealed record NodeIdentity(string Id)
{
    /// <summary>A new identity: host, process id and a random suffix (a restarted process is a new node).</summary>
    public static NodeIdentity Create() =>
        new($"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..3])}");
}
