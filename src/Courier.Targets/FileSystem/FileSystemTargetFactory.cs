using Courier.Core.Domain;
using Courier.Core.Targets;

namespace Courier.Targets.FileSystem;

/// <summary>
/// Makes <c>filesystem</c> targets. Settings under <c>Courier:Targets:NAME</c>: <c>Root</c> (required; relative to the
/// configuration file's directory), the directory objects are written under. It is created when missing, and refused
/// when it is the source root, lies inside it, or contains it: pushing into the source would corrupt it.
/// </summary>
internal sealed class FileSystemTargetFactory : ITargetFactory
{
    public const string KindName = "filesystem";

    public string Kind => KindName;

    public ITarget Create(TargetDefinition definition)
    {
        var key = definition.KeyOf("Root");
        var text = definition.Section["Root"];
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new BadInputException(key, $"{key} is required: the directory the {KindName} target '{definition.Name}' writes to");
        }

        string root;
        try
        {
            root = Path.TrimEndingDirectorySeparator(definition.ResolvePath(text));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new BadInputException(key, $"{key} '{Names.Printable(text)}' is not a valid path: {e.Message}");
        }

        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(definition.SourceRoot));
        RefuseOverlap(key, root, source, root, source);

        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(key, $"{key} '{root}' does not exist and cannot be created: {e.Message}");
        }

        // Again with symbolic links resolved: a root that is a link into the source is just as bad.
        RefuseOverlap(key, PathLinks.Resolve(root), PathLinks.Resolve(source), root, source);
        return new FileSystemTarget(definition.Name, definition.Region, definition.Verify, root);
    }

    private static void RefuseOverlap(string key, string root, string source, string shownRoot, string shownSource)
    {
        if (IsSameOrUnder(root, source))
        {
            throw new BadInputException(key, $"{key} '{shownRoot}' is the source root '{shownSource}' or lies inside it: pushing there would corrupt the source");
        }

        if (IsSameOrUnder(source, root))
        {
            throw new BadInputException(key, $"{key} '{shownRoot}' contains the source root '{shownSource}': pushing there would corrupt the source");
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies under it (both absolute, no trailing separator).</summary>
    internal static bool IsSameOrUnder(string path, string directory)
    {
        if (string.Equals(path, directory, StringComparison.Ordinal))
        {
            return true;
        }

        var prefix = directory.EndsWith(Path.DirectorySeparatorChar) ? directory : directory + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
