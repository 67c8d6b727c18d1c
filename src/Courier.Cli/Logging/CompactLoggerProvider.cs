using Microsoft.Extensions.Logging;

namespace Courier.Cli.Logging;

/// <summary>
/// Writes log entries to stderr, one line each: <c>courier: warn: message (error)</c>. Exceptions show only their message
/// unless details are asked for (<c>--verbose</c>). While a live display owns the terminal, lines are held and written after it.
/// </summary>
internal sealed class CompactLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly bool _details;
    private readonly Lock _lock = new();
    private List<string>? _held;

    public CompactLoggerProvider(TextWriter writer, LogLevel minimumLevel, bool details)
    {
        _writer = writer;
        MinimumLevel = minimumLevel;
        _details = details;
    }

    /// <summary>The lowest level written.</summary>
    public LogLevel MinimumLevel { get; }

    public ILogger CreateLogger(string categoryName) => new CompactLogger(this);

    /// <summary>Holds lines until the returned handle is disposed (a live display is drawing).</summary>
    public IDisposable Hold()
    {
        lock (_lock)
        {
            _held ??= [];
        }

        return new Release(this);
    }

    internal void Write(LogLevel level, string message, Exception? exception)
    {
        var line = $"courier: {Label(level)}: {OneLine(message)}";
        if (exception is not null)
        {
            line += _details ? Environment.NewLine + exception : $" ({OneLine(exception.Message)})";
        }

        lock (_lock)
        {
            if (_held is not null)
            {
                _held.Add(line);
            }
            else
            {
                _writer.WriteLine(line);
                _writer.Flush();
            }
        }
    }

    /// <summary>A message on one line: line breaks become spaces.</summary>
    internal static string OneLine(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message.ReplaceLineEndings(" "), @"\s+", " ").Trim();

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "fail",
    };

    private void Flush()
    {
        lock (_lock)
        {
            foreach (var line in _held ?? [])
            {
                _writer.WriteLine(line);
            }

            _held = null;
            _writer.Flush();
        }
    }

    public void Dispose() => Flush();

    private sealed class Release(CompactLoggerProvider provider) : IDisposable
    {
        public void Dispose() => provider.Flush();
    }
}
