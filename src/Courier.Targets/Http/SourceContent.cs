using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Courier.Core.Targets;

namespace Courier.Targets.Http;

/// <summary>
/// A request body streamed from a source file (never buffered): exactly the length the file had when opened, hashed as
/// it goes (<see cref="ObjectPut.OpenSource"/>), each chunk extending the request's deadline. Sent again, it reopens the source.
/// </summary>
internal sealed class SourceContent : HttpContent
{
    private const int ChunkSize = 256 * 1024;
    private readonly string _target;
    private readonly ObjectPut _put;
    private readonly RequestDeadline _deadline;
    private readonly long _length;
    private HashingStream _source;
    private readonly StreamHashes _hashes;
    private bool _started;

    public SourceContent(string target, ObjectPut put, RequestDeadline deadline, StreamHashes hashes)
    {
        _hashes = hashes;
        _target = target;
        _put = put;
        _deadline = deadline;
        _source = put.OpenSource(hashes);
        _length = _source.Length;
        Headers.ContentLength = _length;
        Headers.ContentType = MediaTypeHeaderValue.TryParse(put.ContentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
    }

    /// <summary>The bytes of the body: the source's length when it was opened.</summary>
    public long Length => _length;

    /// <summary>True once the whole body has been sent.</summary>
    public bool Sent { get; private set; }

    /// <summary>The length and the digests asked for of the body sent (once <see cref="Sent"/>).</summary>
    public ContentDigest Digest() => _source.Digest();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_started)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
            _source = _put.OpenSource(_hashes);
        }

        _started = true;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            for (var left = _length; left > 0;)
            {
                var read = await _source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new TargetException(_target, $"source file '{_put.SourcePath}' shrank while it was pushed ({_length - left} of {_length} bytes)", isTransient: true, ErrorKinds.SizeMismatch);
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                left -= read;
                _deadline.Extend();
            }

            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            Sent = true;

            // From here the deadline is the wait for the answer.
            _deadline.Extend();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
        }

        base.Dispose(disposing);
    }
}
