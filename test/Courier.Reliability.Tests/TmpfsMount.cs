using System.Diagnostics;

namespace Courier.Reliability.Tests;

/// <summary>A small tmpfs mounted on a temp directory (the tests run as root), for a filesystem target that fills up.</summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount Create(int sizeMegabytes)
    {
        var path = Directory.CreateTempSubdirectory("courier-tmpfs-").FullName;
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeMegabytes}m", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"cannot mount a {sizeMegabytes} MB tmpfs for the disk-full test (needs root / CAP_SYS_ADMIN): {error}");
        }

        return new TmpfsMount(path);
    }

    public long FreeBytes() => new DriveInfo(Path).AvailableFreeSpace;

    public void Resize(int sizeMegabytes)
    {
        var (code, error) = Run("mount", "-o", $"remount,size={sizeMegabytes}m", Path);
        if (code != 0)
        {
            throw new InvalidOperationException($"cannot resize the tmpfs at {Path}: {error}");
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Error) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Trim());
    }
}
