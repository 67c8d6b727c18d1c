namespace Courier.Testing;

/// <summary>What a finished <c>courier</c> process left: its exit code, its output and the arguments it ran with.</summary>
public sealed record CourierResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Arguments)
{
    /// <summary>The lines written to stderr, without empty ones.</summary>
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"courier {string.Join(' ', Arguments)} → exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
