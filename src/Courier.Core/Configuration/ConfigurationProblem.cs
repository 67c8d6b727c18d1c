namespace Courier.Core.Configuration;

/// <summary>One thing wrong with the configuration: the key at fault (<c>Courier:Scan:Interval</c>) and a sentence that names it.</summary>
public sealed record ConfigurationProblem(string Key, string Message)
{
    public override string ToString() => Message;
}
