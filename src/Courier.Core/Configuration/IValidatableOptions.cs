namespace Courier.Core.Configuration;

/// <summary>
/// An options class that checks itself: the one way Courier validates configuration. Each check lives beside the options
/// it checks and yields (key, message) pairs; <see cref="ConfigurationProblems.ThrowIfAny"/> turns them into the one
/// <see cref="Domain.BadInputException"/> a host reports (the CLI: exit 2, naming the first key).
/// </summary>
public interface IValidatableOptions
{
    /// <summary>The problems of these options, keyed under <paramref name="section"/> (e.g. <c>Courier:Store</c>); none when they are sound.</summary>
    IEnumerable<ConfigurationProblem> Validate(string section);
}
