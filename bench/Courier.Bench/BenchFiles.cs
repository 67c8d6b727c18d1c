namespace Courier.Bench;

/// <summary>Input files for benchmarks: deterministic pseudo-random bytes, generated, never committed.</summary>
internal static class BenchFiles
{
    public static void WriteRandom(string path, long size, int seed = 42)
    {
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (long left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }
    }

    /// <summary>True when the two files hold the same bytes (streamed, a block at a time).</summary>
    public static bool SameBytes(string a, string b)
    {
        using var left = File.OpenRead(a);
        using var right = File.OpenRead(b);
        if (left.Length != right.Length)
        {
            return false;
        }

        var x = new byte[1 << 20];
        var y = new byte[1 << 20];
        int read;
        while ((read = left.Read(x, 0, x.Length)) > 0)
        {
            right.ReadExactly(y, 0, read);
            if (!x.AsSpan(0, read).SequenceEqual(y.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }
}
