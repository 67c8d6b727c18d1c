using System.Security.Cryptography;

namespace Courier.Target.Compliance;

/// <summary>Deterministic test content, generated on the fly (never committed), and its hashes.</summary>
public static class TestData
{
    /// <summary>Writes <paramref name="size"/> pseudo-random bytes to <paramref name="path"/>; the same seed gives the same bytes.</summary>
    public static void WriteRandomFile(string path, long size, int seed)
    {
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        for (long left = size; left > 0;)
        {
            var chunk = (int)Math.Min(buffer.Length, left);
            random.NextBytes(buffer.AsSpan(0, chunk));
            file.Write(buffer, 0, chunk);
            left -= chunk;
        }
    }

    /// <summary>Lower-case hex SHA-256 of <paramref name="data"/>.</summary>
    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="path"/>.</summary>
    public static string Sha256OfFile(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>The SHA-256 of no bytes at all.</summary>
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}
