using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Courier.S3;

/// <summary>
/// A read-only, seekable window onto part of a file, read by offset (<see cref="RandomAccess"/>) so several can share one
/// handle. It lets a multipart part be hashed and sent without holding the part in memory: AWSSDK needs a seekable body
/// (it reads it once to sign and once to send, and falls back to aws-chunked framing for a non-seekable one).
/// </summary>
/// <remarks>
/// AWSSDK reads a body 4 KiB at a time to sign it and 8 KiB at a time to send it: unbuffered, that is one system call per
/// 4 or 8 KiB, about 390,000 per GiB. Small reads are served from a read-ahead block of <see cref="ReadAheadSize"/>
/// (rented while the stream is open: a bounded block, not the part); reads of at least a block go straight to the file.
/// </remarks>
internal sealed class FileSegmentStream : Stream
{
    /// <summary>The read-ahead block: 256 KiB.</summary>
    internal const int ReadAheadSize = 256 * 1024;

    private readonly SafeFileHandle _file;
    private readonly long _offset;
    private readonly long _length;
    private long _position;
    private byte[]? _block;
    private long _blockStart;
    private int _blockLength;

    public FileSegmentStream(SafeFileHandle file, long offset, long length)
    {
        _file = file;
        _offset = offset;
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, _length - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        if (wanted >= ReadAheadSize)
        {
            return Advance(RandomAccess.Read(_file, buffer[..wanted], _offset + _position));
        }

        if (!InBlock())
        {
            var block = _block ??= ArrayPool<byte>.Shared.Rent(ReadAheadSize);
            Filled(RandomAccess.Read(_file, block.AsSpan(0, BlockWant()), _offset + _position));
        }

        return FromBlock(buffer[..wanted]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, _length - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        if (wanted >= ReadAheadSize)
        {
            return Advance(await RandomAccess.ReadAsync(_file, buffer[..wanted], _offset + _position, cancellationToken).ConfigureAwait(false));
        }

        if (!InBlock())
        {
            var block = _block ??= ArrayPool<byte>.Shared.Rent(ReadAheadSize);
            Filled(await RandomAccess.ReadAsync(_file, block.AsMemory(0, BlockWant()), _offset + _position, cancellationToken).ConfigureAwait(false));
        }

        return FromBlock(buffer.Span[..wanted]);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _block is not null)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _block = null;
            _blockLength = 0;
        }

        base.Dispose(disposing);
    }

    /// <summary>True when the block holds the byte at the position.</summary>
    private bool InBlock() => _block is not null && _position >= _blockStart && _position < _blockStart + _blockLength;

    /// <summary>How much of the window a new block at the position reads.</summary>
    private int BlockWant() => (int)Math.Min(ReadAheadSize, _length - _position);

    private void Filled(int read)
    {
        _blockStart = _position;
        _blockLength = read;
    }

    /// <summary>Copies from the block at the position (nothing when the file ended there: the block is empty).</summary>
    private int FromBlock(Span<byte> destination)
    {
        var from = (int)(_position - _blockStart);
        var count = Math.Min(destination.Length, _blockLength - from);
        if (count <= 0)
        {
            return 0;
        }

        _block.AsSpan(from, count).CopyTo(destination);
        return Advance(count);
    }

    private int Advance(int read)
    {
        _position += read;
        return read;
    }
}
