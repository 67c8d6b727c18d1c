using System.Text;

namespace Courier.Testing.Proxy;

/// <summary>A small buffered reader of HTTP/1.1 framing over a stream: lines, exact counts, chunked bodies.</summary>
internal sealed class HttpReader
{
    private const int MaxLine = 64 * 1024;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public HttpReader(Stream stream) => _stream = stream;

    /// <summary>Reads one CRLF-terminated line (without the CRLF), or null at the end of the stream before any byte.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return line.Length == 0 ? null : throw new IOException("connection closed in the middle of a line");
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.Latin1.GetString(_buffer, _start, stop - _start));
            if (line.Length > MaxLine)
            {
                throw new IOException("line too long");
            }

            if (newline >= 0)
            {
                _start = newline + 1;
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line.Length--;
                }

                return line.ToString();
            }

            _start = _end;
        }
    }

    /// <summary>Reads up to <paramref name="count"/> bytes into <paramref name="destination"/>; returns how many arrived before the end of the stream.</summary>
    public async Task<long> CopyAsync(Stream destination, long count, Action<long>? onBytes, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (copied < count)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            var take = (int)Math.Min(_end - _start, count - copied);
            await destination.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken).ConfigureAwait(false);
            _start += take;
            copied += take;
            onBytes?.Invoke(take);
        }

        return copied;
    }

    /// <summary>Reads everything until the end of the stream.</summary>
    public Task<long> CopyToEndAsync(Stream destination, CancellationToken cancellationToken) => CopyAsync(destination, long.MaxValue, null, cancellationToken);

    /// <summary>Decodes a chunked body into <paramref name="destination"/>, trailers skipped.</summary>
    public async Task<long> CopyChunkedAsync(Stream destination, Action<long>? onBytes, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("connection closed inside a chunked body");
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            var size = Convert.ToInt64((semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim(), 16);
            if (size == 0)
            {
                while (!string.IsNullOrEmpty(await ReadLineAsync(cancellationToken).ConfigureAwait(false)))
                {
                }

                return total;
            }

            var copied = await CopyAsync(destination, size, onBytes, cancellationToken).ConfigureAwait(false);
            total += copied;
            if (copied < size)
            {
                throw new IOException("connection closed inside a chunk");
            }

            await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}
