using System.Runtime.InteropServices;

namespace Courier.Core.Sources;

/// <summary>
/// Tells a regular file from a named pipe, socket or device node. Those must never be opened as a source: opening a
/// named pipe blocks until something writes to it, which would hang a submission (and the process) for good.
/// </summary>
internal static class FileKinds
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const ushort TypeMask = 0xF000;
    private const ushort Regular = 0x8000;

    /// <summary>
    /// False when <paramref name="path"/> (symbolic links followed) exists and is not a regular file. True otherwise,
    /// including where it cannot be told (not Linux): opening the file then reports what is wrong.
    /// </summary>
    public static bool IsRegularFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        var buffer = new byte[StatxSize];
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

        return (BitConverter.ToUInt16(buffer, StatxModeOffset) & TypeMask) == Regular;
    }

    private static class NativeMethods
    {
        // statx(2): its struct has the same layout on every Linux architecture, unlike stat(2).
        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
