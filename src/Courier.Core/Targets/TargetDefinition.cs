using Microsoft.Extensions.Configuration;

namespace Courier.Core.Targets;

/// <summary>
/// A target as configured under <c>Courier:Targets:{Name}</c>: the settings every kind shares, and the section
/// itself for the kind's own settings.
/// </summary>
/// <param name="Name">The target's name (the key under <c>Courier:Targets</c>).</param>
/// <param name="Kind">The kind, lower case.</param>
/// <param name="Region">The region label; the default is the target's name.</param>
/// <param name="Verify">How pushed objects are proved.</param>
/// <param name="Enabled">Disabled targets are left out of submissions that name no targets.</param>
/// <param name="Section">The configuration section, for the kind's own settings.</param>
/// <param name="SourceRoot">The absolute source root, so a target can refuse to write into it.</param>
/// <param name="BaseDirectory">The directory relative paths in the configuration are taken from (the configuration file's).</param>
public sealed record TargetDefinition(
    string Name,
    string Kind,
    string Region,
    VerifyMode Verify,
    bool Enabled,
    IConfigurationSection Section,
    string SourceRoot,
    string BaseDirectory)
{
    /// <summary>
    /// The renditions this target takes (<c>Courier:Targets:{Name}:Renditions</c>); null: every rendition. A submission
    /// creates no deliveries of other renditions for this target.
    /// </summary>
    public IReadOnlyList<string>? Renditions { get; init; }

    /// <summary>A path setting made absolute against <see cref="BaseDirectory"/>.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(path, BaseDirectory);

    /// <summary>The full configuration key of one of this target's settings, for error messages: <c>Courier:Targets:cdn-north:BaseUrl</c>.</summary>
    public string KeyOf(string setting) => $"{Section.Path}:{setting}";
}
