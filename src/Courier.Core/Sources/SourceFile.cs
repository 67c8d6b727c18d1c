namespace Courier.Core.Sources;

/// <summary>One file of a rendition on the local disk.</summary>
/// <param name="RelativePath">Path inside the rendition, '/'-separated: the file name of a single-file rendition, the inner path of a package.</param>
/// <param name="FullPath">Absolute path on this machine, already checked to lie under the source root.</param>
/// <param name="Length">Size in bytes when the rendition was resolved.</param>
public sealed record SourceFile(string RelativePath, string FullPath, long Length);
