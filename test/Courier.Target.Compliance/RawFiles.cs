namespace Courier.Target.Compliance;

/// <summary>Reads files the way an outside reader would (a web server, <c>cat</c>): without taking .NET's advisory lock.</summary>
public static class RawFiles
{
    /// <summary>The bytes of the file at <paramref name="path"/>, or null when there is no such file.</summary>
    public static async Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, cancellationToken);
            return copy.ToArray();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
