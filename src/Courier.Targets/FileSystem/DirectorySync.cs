using System.Runtime.InteropServices;

namespace Courier.Targets.FileSystem;

/// <summary>
/// Flushes a directory's entries to disk (fsync of the directory), so a removal or a rename survives a power loss.
/// .NET cannot open a directory as a file, so this calls open(2) and fsync(2) directly; off Linux it does nothing.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;          // O_RDONLY
    private const int Directory = 0x10000;   // O_DIRECTORY (Linux, x86-64 and arm64)
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    /// <summary>fsyncs <paramref name="path"/>; throws <see cref="IOException"/> (errno in HResult) when that fails.</summary>
    public static void Flush(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = NativeMethods.Open(path, ReadOnly | Directory | CloseOnExec);
        if (fd < 0)
        {
            throw Failure("open", path);
        }

        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                throw Failure("fsync", path);
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
