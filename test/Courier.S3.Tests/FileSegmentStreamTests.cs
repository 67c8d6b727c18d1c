namespace Courier.S3.Tests;

/// <summary>
/// A multipart part's body: a window onto the source file that AWSSDK reads twice (4 KiB reads to sign, a seek back to the
/// start, 8 KiB reads to send). Its reads are served from a read-ahead block, so every read pattern must give the
/// window's bytes exactly.
/// </summary>
public sealed class FileSegmentStreamTests
{
    private const int Block = FileSegmentStream.ReadAheadSize;

    [Fact]
    public async Task Window_read_as_the_SDK_reads_it_twice_gives_its_bytes_both_times()
    {
        using var files = new TempFiles();
        var path = files.Random("part.bin", 3 * Block + 12345, seed: 5);
        var all = await File.ReadAllBytesAsync(path, Ct);
        const long Offset = Block / 2 + 7;
        const int Length = 2 * Block + 1000;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        await using var stream = new FileSegmentStream(handle, Offset, Length);

        var signed = ReadAllSync(stream, 4096);
        stream.Seek(0, SeekOrigin.Begin).ShouldBe(0);
        var sent = await ReadAllAsync(stream, 8192);

        var expected = all.AsSpan((int)Offset, Length).ToArray();
        signed.ShouldBe(expected, "the signing pass reads the window's bytes");
        sent.ShouldBe(expected, "the sending pass after the seek back reads them again");
    }

    [Fact]
    public async Task Reads_of_every_size_and_seeks_into_a_block_give_the_bytes_at_the_position()
    {
        using var files = new TempFiles();
        var path = files.Random("part.bin", 4 * Block, seed: 9);
        var all = await File.ReadAllBytesAsync(path, Ct);
        const int Offset = 3000;
        const int Length = 3 * Block + 5;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        await using var stream = new FileSegmentStream(handle, Offset, Length);

        // Mixed sizes: smaller than a block, crossing a block's end, and larger than a block (read straight from the file).
        var got = new List<byte>();
        foreach (var size in new[] { 1, 100_000, Block, 70_000, Block + 3, 9 })
        {
            var buffer = new byte[size];
            var read = await stream.ReadAsync(buffer, Ct);
            read.ShouldBeGreaterThan(0);
            got.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        got.ToArray().ShouldBe(all.AsSpan(Offset, got.Count).ToArray());
        stream.Position.ShouldBe(got.Count);

        // Back into the middle of what was read, and forward past the block held.
        foreach (var position in new long[] { 50_000, 10, Block + 17, Length - 3 })
        {
            stream.Position = position;
            var buffer = new byte[64];
            var read = stream.Read(buffer, 0, buffer.Length);
            var expected = (int)Math.Min(buffer.Length, Length - position);
            read.ShouldBe(expected);
            buffer.AsSpan(0, read).ToArray().ShouldBe(all.AsSpan(Offset + (int)position, read).ToArray(), $"bytes at {position}");
        }

        stream.Position = Length;
        (await stream.ReadAsync(new byte[10], Ct)).ShouldBe(0, "the window's end is the end of the stream");
    }

    [Fact]
    public async Task File_that_shrank_under_the_window_ends_the_stream_early()
    {
        using var files = new TempFiles();
        var path = files.Random("part.bin", Block, seed: 3);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        await using var stream = new FileSegmentStream(handle, 1000, 2 * Block);

        var read = await ReadAllAsync(stream, 8192);

        read.Length.ShouldBe(Block - 1000, "a short read, not an error: the SDK and the size check see the file changed");
    }

    private static byte[] ReadAllSync(Stream stream, int chunk)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[chunk];
        for (var i = 0; i < 1_000_000; i++)
        {
            var read = stream.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                return copy.ToArray();
            }

            copy.Write(buffer, 0, read);
        }

        throw new InvalidOperationException("the stream never ended");
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int chunk)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[chunk];
        for (var i = 0; i < 1_000_000; i++)
        {
            var read = await stream.ReadAsync(buffer, Ct);
            if (read == 0)
            {
                return copy.ToArray();
            }

            copy.Write(buffer, 0, read);
        }

        throw new InvalidOperationException("the stream never ended");
    }
}
