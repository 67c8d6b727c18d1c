using System.Diagnostics;

namespace Courier.Testing.Proxy;

/// <summary>
/// A write-only stream that passes bytes on to another one no faster than a given rate: each write returns only once the
/// bytes written so far are due. Behind the proxy's small receive window, this slows the sender down to that rate.
/// </summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond) : Stream
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the throttle is asynchronous");

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _written += buffer.Length;
        var due = TimeSpan.FromSeconds((double)_written / bytesPerSecond);
        var ahead = due - Stopwatch.GetElapsedTime(_started);
        if (ahead > TimeSpan.Zero)
        {
            // The fault itself: this link carries no more than bytesPerSecond.
            await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
        }
    }
}
