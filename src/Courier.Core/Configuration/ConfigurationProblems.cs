using Courier.Core.Domain;

namespace Courier.Core.Configuration;

/// <summary>The common checks of <see cref="IValidatableOptions"/>, and the one way problems become an error.</summary>
public static class ConfigurationProblems
{
    /// <summary>Throws one <see cref="BadInputException"/> naming the first problem's key and listing them all; nothing when there are none.</summary>
    public static void ThrowIfAny(IEnumerable<ConfigurationProblem> problems)
    {
        var all = problems.ToList();
        if (all.Count > 0)
        {
            throw new BadInputException(all[0].Key, "configuration: " + string.Join("; ", all.Select(p => p.Message)));
        }
    }

    /// <summary>Validates <paramref name="options"/> under <paramref name="section"/> and throws when anything is wrong.</summary>
    public static T Validated<T>(this T options, string section)
        where T : IValidatableOptions
    {
        ThrowIfAny(options.Validate(section));
        return options;
    }

    public static IEnumerable<ConfigurationProblem> Positive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            yield return new(key, $"{key} must be a positive time span (hh:mm:ss), not {value}");
        }
    }

    public static IEnumerable<ConfigurationProblem> AtLeast(long value, long min, string key)
    {
        if (value < min)
        {
            yield return new(key, $"{key} must be at least {min}, not {value}");
        }
    }
}
