using System.IO.Hashing;
using System.Security.Cryptography;

namespace Courier.Core.Targets;

/// <summary>
/// A read-only stream that hashes what is read through it (the <see cref="StreamHashes"/> asked for) and reports progress.
/// SHA-256 is the dearest part of a large local push on this kind of machine (one core hashes about 1.6 GB/s, while a
/// copy to a local disk or loopback moves more), so a push never computes it as it sends: a target that verifies sizes
/// streams without hashing, and one that verifies fully sends with <see cref="StreamHashes.XxHash128"/> and computes the
/// SHA-256 once, of what it reads back (<see cref="ContentHash.DigestAsync"/>).
/// It does not seek: a target that must resend opens the source again.
/// </summary>
public sealed class HashingStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash? _sha256;
    private readonly IncrementalHash? _md5;
    private readonly XxHash128? _xxHash128;
    private readonly IProgress<long>? _progress;
    private byte[]? _sha256Result;
    private byte[]? _md5Result;
    private long _position;

    public HashingStream(Stream inner, StreamHashes hashes, IProgress<long>? progress = null)
    {
        _inner = inner;
        _sha256 = hashes.HasFlag(StreamHashes.Sha256) ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _md5 = hashes.HasFlag(StreamHashes.Md5) ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _xxHash128 = hashes.HasFlag(StreamHashes.XxHash128) ? new XxHash128() : null;
        _progress = progress;
    }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Lower-case hex SHA-256 of everything read; call after the stream has been read to its end. Empty when it was not asked for.</summary>
    public string Sha256Hex() => _sha256 is null ? string.Empty : Convert.ToHexStringLower(_sha256Result ??= _sha256.GetHashAndReset());

    /// <summary>Lower-case hex XxHash128 of everything read so far. Empty when it was not asked for.</summary>
    public string XxHash128Hex() => _xxHash128 is null ? string.Empty : Convert.ToHexStringLower(_xxHash128.GetCurrentHash());

    /// <summary>What was read: its length and the digests asked for; call after the stream has been read to its end.</summary>
    public ContentDigest Digest() => new(_position, Sha256Hex(), XxHash128Hex());

    /// <summary>The MD5 of everything read (only when MD5 was requested).</summary>
    public byte[] Md5() => _md5Result ??= (_md5 ?? throw new InvalidOperationException("MD5 was not requested")).GetHashAndReset();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        Account(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..read]);
        return read;
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _sha256?.AppendData(data);
        _md5?.AppendData(data);
        _xxHash128?.Append(data);
        _position += data.Length;
        _progress?.Report(data.Length);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _sha256?.Dispose();
            _md5?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _sha256?.Dispose();
        _md5?.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
