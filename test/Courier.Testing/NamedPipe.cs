namespace Courier.Testing;

/// <summary>Named pipes for tests of sources that are not regular files.</summary>
public static class NamedPipe
{
    /// <summary>A named pipe at <paramref name="path"/>, as a transcoder writing to a pipe leaves behind: opening it for reading blocks until a writer comes.</summary>
    public static void Make(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} failed");
        }
    }
}
