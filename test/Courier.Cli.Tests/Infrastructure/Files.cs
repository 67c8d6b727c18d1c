using System.Security.Cryptography;

namespace Courier.Cli.Tests.Infrastructure;

/// <summary>Comparing what a target holds with the source.</summary>
public static class Files
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Asserts that <paramref name="actual"/> exists and holds exactly the bytes of <paramref name="expected"/>.</summary>
    public static void ShouldBeIdentical(string actual, string expected)
    {
        File.Exists(actual).ShouldBeTrue($"{actual} should exist at the target");
        new FileInfo(actual).Length.ShouldBe(new FileInfo(expected).Length, $"size of {actual}");
        Sha256(actual).ShouldBe(Sha256(expected), $"content of {actual}");
    }

    /// <summary>The files under <paramref name="directory"/>, relative, '/'-separated, sorted.</summary>
    public static IReadOnlyList<string> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
}
