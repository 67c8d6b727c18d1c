namespace Courier.Bench;

/// <summary>Input files for benchmarks: deterministic pseudo-random bytes, generated, never committed.</summary>
internal static class BenchFiles
{
    public static void WriteRandom(string path, long size)
    {
        var random = new Random(42);
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (long left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }
    }
}
