using Courier.Core.Domain;
using Microsoft.Extensions.Configuration;

namespace Courier.Core.Targets;

/// <summary>The configured targets, by name, made by the factories of their kinds.</summary>
public sealed class TargetRegistry
{
    private readonly Dictionary<string, ITarget> _targets;
    private readonly HashSet<string> _enabled;
    private readonly Dictionary<string, HashSet<string>> _renditions;

    /// <param name="targets">The targets.</param>
    /// <param name="enabled">The names of the enabled ones; null: all.</param>
    /// <param name="renditions">Per target name, the renditions it takes; a target not named takes every rendition.</param>
    public TargetRegistry(IEnumerable<ITarget> targets, IEnumerable<string>? enabled = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? renditions = null)
    {
        _targets = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _enabled = new HashSet<string>(enabled ?? _targets.Keys, StringComparer.Ordinal);
        _renditions = (renditions ?? new Dictionary<string, IReadOnlyList<string>>())
            .ToDictionary(p => p.Key, p => new HashSet<string>(p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>Every configured target, by name.</summary>
    public IReadOnlyCollection<ITarget> All => _targets.Values;

    /// <summary>The names of the targets a submission goes to when it names none.</summary>
    public IReadOnlyList<string> EnabledNames => _targets.Keys.Where(_enabled.Contains).Order(StringComparer.Ordinal).ToList();

    /// <summary>The target named <paramref name="name"/>, or null.</summary>
    public ITarget? Find(string name) => _targets.GetValueOrDefault(name);

    /// <summary>Whether <paramref name="target"/> takes <paramref name="rendition"/> (<c>Courier:Targets:{Name}:Renditions</c>; unset: every one).</summary>
    public bool Takes(string target, string rendition) => !_renditions.TryGetValue(target, out var taken) || taken.Contains(rendition);

    /// <summary>The renditions <paramref name="target"/> is limited to, or null when it takes every rendition.</summary>
    public IReadOnlyCollection<string>? RenditionsOf(string target) => _renditions.GetValueOrDefault(target);

    /// <summary>
    /// Builds the registry from <c>Courier:Targets</c>. Every problem is reported at once, each with its configuration key.
    /// </summary>
    public static TargetRegistry FromConfiguration(IConfigurationSection targetsSection, IEnumerable<ITargetFactory> factories, string sourceRoot, string baseDirectory)
    {
        var byKind = factories.ToDictionary(f => f.Kind, StringComparer.OrdinalIgnoreCase);
        var targets = new List<ITarget>();
        var enabled = new List<string>();
        var renditions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
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

                if (definition.Renditions is { } taken)
                {
                    renditions[definition.Name] = taken;
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

        return new TargetRegistry(targets, enabled, renditions);
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
        return new TargetDefinition(name, kind.ToLowerInvariant(), string.IsNullOrWhiteSpace(region) ? name : region, verify, enabled, section, sourceRoot, baseDirectory)
        {
            Renditions = DefineRenditions(section),
        };
    }

    /// <summary>
    /// <c>Renditions</c>: a list (<c>["360p", "720p"]</c>) or one comma-separated string (<c>"360p,720p"</c>), of valid
    /// rendition names; unset means every rendition. Any name is allowed (a ladder may have rungs of its own); an empty
    /// list is refused, since a target that takes nothing is a mistake (disable it with <c>Enabled: false</c> instead).
    /// </summary>
    private static List<string>? DefineRenditions(IConfigurationSection section)
    {
        // An empty JSON array is a key with no value and no children: Exists() is false for it, but the key is listed.
        var setting = section.GetChildren().FirstOrDefault(c => string.Equals(c.Key, "Renditions", StringComparison.OrdinalIgnoreCase));
        if (setting is null)
        {
            return null;
        }

        var key = setting.Path;
        var values = setting.Value is { } single
            ? single.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : setting.GetChildren().Select(c => c.Value?.Trim() ?? string.Empty).ToArray();
        var names = new List<string>();
        foreach (var value in values)
        {
            if (!Names.IsValid(value))
            {
                throw new BadInputException(key, $"{key}: rendition name '{Names.Printable(value)}' must be 1-128 of A-Z a-z 0-9 . _ -");
            }

            if (!names.Contains(value, StringComparer.Ordinal))
            {
                names.Add(value);
            }
        }

        if (names.Count == 0)
        {
            throw new BadInputException(key, $"{key} is empty: list the renditions the target takes (e.g. [\"360p\", \"720p\"]), or leave it out for every rendition");
        }

        return names;
    }
}
