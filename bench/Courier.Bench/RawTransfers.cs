using System.Buffers;
using System.Net;
using System.Security.Cryptography;

namespace Courier.Bench;

/// <summary>The raw baselines: the same files to a directory and to nginx at once, with plain .NET calls.</summary>
internal sealed class RawTransfers(HttpClient http, string root, Uri baseUrl)
{
    private const int CopyBufferSize = 1 << 20;

    /// <summary>Every file to both places at once, <paramref name="concurrency"/> files at a time per place; optionally read back and hashed.</summary>
    public Task PushAsync(string run, IReadOnlyList<string> files, int concurrency, bool readBack, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        var toDisk = Parallel.ForEachAsync(files, options, async (file, token) =>
        {
            await WriteFileAsync(run, file, token);
            if (readBack)
            {
                await ReadBackAsync(run, file, token);
            }
        });
        var toHttp = Parallel.ForEachAsync(files, options, async (file, token) =>
        {
            var url = new Uri(baseUrl, $"{run}/{Uri.EscapeDataString(Path.GetFileName(file))}");
            await PutAsync(http, url, file, token);
            if (readBack)
            {
                await GetHashAsync(http, url, token);
            }
        });
        return Task.WhenAll(toDisk, toHttp);
    }

    /// <summary>Every file to both places, <paramref name="concurrency"/> pushes at once over both, in the order Courier claims them (file by file, the filesystem first).</summary>
    public Task PushInClaimOrderAsync(string run, IReadOnlyList<string> files, int concurrency, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        var pushes = files.SelectMany(f => new[] { (File: f, ToDisk: true), (File: f, ToDisk: false) });
        return Parallel.ForEachAsync(pushes, options, async (push, token) =>
        {
            if (push.ToDisk)
            {
                await WriteFileAsync(run, push.File, token);
            }
            else
            {
                await PutAsync(http, new Uri(baseUrl, $"{run}/{Uri.EscapeDataString(Path.GetFileName(push.File))}"), push.File, token);
            }
        });
    }

    /// <summary>What Courier's filesystem target does: write a temp name, fsync it, rename it onto the final name.</summary>
    public async Task WriteFileAsync(string run, string file, CancellationToken cancellationToken)
    {
        await WriteTempAsync(run, file, fsync: true, cancellationToken);
        await RenameAsync(run, file);
    }

    public async Task WriteTempAsync(string run, string file, bool fsync, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using var copy = new FileStream(TempOf(run, file), FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        await input.CopyToAsync(copy, CopyBufferSize, cancellationToken);
        if (fsync)
        {
            copy.Flush(flushToDisk: true);
        }
    }

    public Task FsyncTempAsync(string run, string file)
    {
        using var copy = new FileStream(TempOf(run, file), FileMode.Open, FileAccess.Write, FileShare.None, 0, FileOptions.None);
        copy.Flush(flushToDisk: true);
        return Task.CompletedTask;
    }

    public Task RenameAsync(string run, string file)
    {
        File.Move(TempOf(run, file), FinalOf(run, file), overwrite: true);
        return Task.CompletedTask;
    }

    public Task StatAsync(string run, string file) =>
        new FileInfo(FinalOf(run, file)).Length == new FileInfo(file).Length ? Task.CompletedTask : throw new InvalidOperationException($"{FinalOf(run, file)}: wrong size");

    /// <summary>Reads the file back and hashes it, a large block at a time as Courier does (SHA256.HashDataAsync reads 4 KiB at a time).</summary>
    public async Task ReadBackAsync(string run, string file, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(FinalOf(run, file), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await HashAsync(input, cancellationToken);
    }

    private string FinalOf(string run, string file) => Path.Combine(Directory.CreateDirectory(Path.Combine(root, run)).FullName, Path.GetFileName(file));

    private string TempOf(string run, string file) => Path.Combine(Directory.CreateDirectory(Path.Combine(root, run)).FullName, "." + Path.GetFileName(file) + ".tmp");

    public static async Task PutAsync(HttpClient http, Uri url, string file, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
        using var content = new StreamContent(input, 256 << 10);
        content.Headers.ContentLength = input.Length;
        using var response = await http.PutAsync(url, content, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"PUT {url}: {(int)response.StatusCode}");
        }
    }

    /// <summary>The raw side's HTTP client: connections reused, no timeout of its own.</summary>
    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>A DELETE of a benchmark's leftovers in the test server's root, whose failure is harmless.</summary>
    public static async Task DeleteQuietlyAsync(Uri url)
    {
        try
        {
            using var http = new HttpClient();
            using var response = await http.DeleteAsync(url, CancellationToken.None);
        }
        catch (HttpRequestException)
        {
            // Leftovers in the test server's root are harmless.
        }
    }

    /// <summary>A WebDAV MOVE of <paramref name="from"/> onto <paramref name="to"/>, overwriting.</summary>
    public static async Task MoveAsync(HttpClient http, Uri from, Uri to, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod("MOVE"), from);
        request.Headers.TryAddWithoutValidation("Destination", to.AbsoluteUri);
        request.Headers.TryAddWithoutValidation("Overwrite", "T");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A HEAD of <paramref name="url"/>, whose size must be <paramref name="length"/>: the size check of <c>Verify: size</c>.</summary>
    public static async Task CheckSizeAsync(HttpClient http, Uri url, long length, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.Content.Headers.ContentLength != length)
        {
            throw new InvalidOperationException($"HEAD {url}: {(int)response.StatusCode}, {response.Content.Headers.ContentLength} bytes, {length} were sent");
        }
    }

    public static async Task GetHashAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await HashAsync(body, cancellationToken);
    }

    /// <summary>
    /// SHA-256 of a stream read <see cref="CopyBufferSize"/> at a time. Not <c>SHA256.HashDataAsync(stream)</c>: that reads
    /// 4 KiB at a time, which from an unbuffered file is one system call per 4 KiB, and made the raw full-verification
    /// baseline slower than Courier's own read-back (128 KiB reads), flattering Courier's full-verification ratio.
    /// </summary>
    private static async Task HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        // Pooled: a fresh 1 MiB array per file (thousands of segments) cost the raw side garbage collections Courier,
        // which reuses its buffers, does not pay.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        hash.GetHashAndReset();
    }
}
