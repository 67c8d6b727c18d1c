using System.Globalization;

namespace Courier.Ffmpeg;

/// <summary>
/// Reads ffmpeg's <c>-progress pipe:1</c> output: blocks of <c>key=value</c> lines, each ended by
/// <c>progress=continue</c> or <c>progress=end</c>. The share done is <c>out_time_us</c> over the source's duration.
/// </summary>
internal sealed class FfmpegProgress
{
    private readonly TimeSpan? _duration;
    private TimeSpan _outTime;

    public FfmpegProgress(TimeSpan? duration)
    {
        _duration = duration is { } d && d > TimeSpan.Zero ? d : null;
    }

    /// <summary>The time encoded so far, as ffmpeg last said.</summary>
    public TimeSpan OutTime => _outTime;

    /// <summary>True once ffmpeg said <c>progress=end</c>.</summary>
    public bool Ended { get; private set; }

    /// <summary>
    /// Takes one line. Returns the share done (0 to 1) when the line ends a block and the share is known, else null.
    /// </summary>
    public double? Read(string line)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var key = line.AsSpan(0, equals).Trim();
        var value = line.AsSpan(equals + 1).Trim();
        if (key.SequenceEqual("out_time_us") && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var us) && us >= 0)
        {
            _outTime = TimeSpan.FromMicroseconds(us);
            return null;
        }

        if (!key.SequenceEqual("progress"))
        {
            return null;
        }

        if (value.SequenceEqual("end"))
        {
            Ended = true;
            return 1.0;
        }

        return _duration is { } duration ? Math.Clamp(_outTime / duration, 0.0, 0.999) : null;
    }
}
