using Courier.Core.Domain;
using Microsoft.Extensions.Configuration;

namespace Courier.Core.Targets;

/// <summary>The configured targets, by name, made by the factories of their kinds.</summary>
public sealed class TargetRegistry
{
    private readonly Dictionary<string, ITarget> _targets;
    private readonly HashSet<string> _enabled;

    public TargetRegistry(IEnumerable<ITarget> targets, IEnumerable<string>? enabled = null)
    {
        _targets = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _enabled = new HashSet<string>(enabled ?? _targets.Keys, StringComparer.Ordinal);
    }

    /// <summary>Every configured target, by name.</summary>
    public IReadOnlyCollection<ITarget> All => _targets.Values;

    /// <summary>The names of the targets a submission goes to when it names none.</summary>
    public IReadOnlyList<string> EnabledNames => _targets.Keys.Where(_enabled.Contains).Order(StringComparer.Ordinal).ToList();

    /// <summary>The target named <paramref name="name"/>, or null.</summary>
    public ITarget? Find(string name) => _targets.GetValueOrDefault(name);

    /// <summary>
    /// Builds the registry from <c>Courier:Targets</c>. Every problem is reported at once, each with its configuration key.
    /// </summary>
    public static TargetRegistry FromConfiguration(IConfigurationSection targetsSection, IEnumerable<ITargetFactory> factories, string sourceRoot, string baseDirectory)
    {
        var byKind = factories.ToDictionary(f => f.Kind, StringComparer.OrdinalIgnoreCase);
        var targets = new List<ITarget>();
        var enabled = new List<string>();
        var problems = new List<BadInputException>();
        foreach (var section in targetsSection.GetChildren())
        {
            try
            {
                var definition = Define(section, byKind.Keys, sourceRoot, baseDirectory);
                targets.Add(byKind[definition.Kind].Create(definition));
                if (definition.Enabled)
                {
                    enabled.Add(definition.Name);
                }
            }
            catch (BadInputException e)
            {
                problems.Add(e);
            }
        }

        if (problems.Count > 0)
        {
            throw new BadInputException(problems[0].Field, string.Join("; ", problems.Select(p => p.Message)));
        }

        return new TargetRegistry(targets, enabled);
    }

    private static TargetDefinition Define(IConfigurationSection section, IEnumerable<string> kinds, string sourceRoot, string baseDirectory)
    {
        var name = section.Key;
        if (!Names.IsValid(name))
        {
            throw new BadInputException(section.Path, $"{section.Path}: target name '{Names.Printable(name)}' must be 1-128 of A-Z a-z 0-9 . _ -");
        }

        var kind = section["Kind"];
        if (string.IsNullOrWhiteSpace(kind))
        {
            throw new BadInputException($"{section.Path}:Kind", $"{section.Path}:Kind is required (one of {string.Join(", ", kinds)})");
        }

        if (!kinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
        {
            throw new BadInputException($"{section.Path}:Kind", $"{section.Path}:Kind '{Names.Printable(kind)}' is not a known kind (one of {string.Join(", ", kinds)})");
        }

        var verify = VerifyMode.Full;
        var verifyText = section["Verify"];
        if (!string.IsNullOrEmpty(verifyText) && !Enum.TryParse(verifyText, ignoreCase: true, out verify))
        {
            throw new BadInputException($"{section.Path}:Verify", $"{section.Path}:Verify '{Names.Printable(verifyText)}' must be \"full\" or \"size\"");
        }

        var enabled = true;
        var enabledText = section["Enabled"];
        if (!string.IsNullOrEmpty(enabledText) && !bool.TryParse(enabledText, out enabled))
        {
            throw new BadInputException($"{section.Path}:Enabled", $"{section.Path}:Enabled '{Names.Printable(enabledText)}' must be true or false");
        }

        var region = section["Region"];
        return new TargetDefinition(name, kind.ToLowerInvariant(), string.IsNullOrWhiteSpace(region) ? name : region, verify, enabled, section, sourceRoot, baseDirectory);
    }
}
