namespace Courier.Reliability.Tests;

/// <summary>How a <c>courier</c> run ended.</summary>
internal sealed record CourierResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Arguments)
{
    public override string ToString() => $"courier {string.Join(' ', Arguments)} → exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
