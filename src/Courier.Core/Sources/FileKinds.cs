using System.Runtime.InteropServices;

namespace Courier.Core.Sources;

/// <summary>
/// Tells a regular file from a named pipe, socket or device node. Those must never be opened as a source: opening a
/// named pipe blocks until something writes to it, which would hang a submission (and the process) for good.
/// </summary>
internal static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int StatxSizeOffset = 40;
    private const int StatxMtimeOffset = 112;
    private const ushort TypeMask = 0xF000;
    private const ushort Regular = 0x8000;

    // open(2) flags, the same on every Linux architecture .NET runs on (asm-generic).
    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    /// <summary>
    /// False when <paramref name="path"/> (symbolic links followed) exists and is not a regular file. True otherwise,
    /// including where it cannot be told (not Linux): opening the file then reports what is wrong.
    /// </summary>
    public static bool IsRegularFile(string path) => IsRegularFile(path, new byte[StatxSize]);

    /// <summary><see cref="IsRegularFile(string)"/>, reading the <c>statx</c> into <paramref name="buffer"/>.</summary>
    private static bool IsRegularFile(string path, byte[] buffer)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        try
        {
            if (NativeMethods.Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
            {
                return true;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return true;
        }

        return IsRegular(buffer);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading, symbolic links followed, and answers what that one handle tells: the
    /// file the kernel reached (<c>/proc/self/fd</c>), its size and its write time (one <c>statx</c> on the handle, so
    /// all three are of the same file). Five system calls: a <c>statx</c> of the path first (anything but a regular
    /// file is never opened, see above), the open, a <c>statx</c> of the handle, the <c>readlink</c> and the close.
    /// The open does not block either (<c>O_NONBLOCK</c>: a path swapped for a named pipe meanwhile does not wait for a
    /// writer), and takes no lock (.NET's own open takes and drops an advisory <c>flock</c>: two calls more). Null when
    /// the file cannot be opened or read, is not a regular file, or this is not Linux.
    /// </summary>
    public static Opened? Open(string path)
    {
        // One buffer for both statx calls: the path's, then the handle's.
        var buffer = new byte[StatxSize];
        if (!OperatingSystem.IsLinux() || !IsRegularFile(path, buffer))
        {
            return null;
        }

        try
        {
            var fd = NativeMethods.Open(path, ReadOnly | NonBlocking | CloseOnExec);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                if (NativeMethods.Statx(fd, string.Empty, AtEmptyPath, StatxBasicStats, buffer) != 0 || !IsRegular(buffer))
                {
                    return null;
                }

                var real = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
                if (real is null || real.EndsWith(" (deleted)", StringComparison.Ordinal))
                {
                    return null;
                }

                // As .NET reads a write time (FileStatus): whole seconds, then the nanoseconds in ticks, truncated.
                var seconds = BitConverter.ToInt64(buffer, StatxMtimeOffset);
                var nanoseconds = BitConverter.ToUInt32(buffer, StatxMtimeOffset + 8);
                var written = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / TimeSpan.NanosecondsPerTick).UtcDateTime;
                return new Opened(real, BitConverter.ToInt64(buffer, StatxSizeOffset), written);
            }
            finally
            {
                // Linux frees the descriptor even when close reports an error, and nothing was written through it.
                _ = NativeMethods.Close(fd);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A source file as one open handle saw it: where the kernel's walk led, its size and its write time (UTC).</summary>
    public readonly record struct Opened(string RealPath, long Length, DateTime LastWriteTimeUtc);

    private static bool IsRegular(byte[] statx) => (BitConverter.ToUInt16(statx, StatxModeOffset) & TypeMask) == Regular;

    private static class NativeMethods
    {
        // statx(2): its struct has the same layout on every Linux architecture, unlike stat(2).
        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
