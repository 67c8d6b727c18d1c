using Microsoft.Extensions.Logging;

namespace Courier.Cli.Logging;

/// <summary>A logger of <see cref="CompactLoggerProvider"/>.</summary>
internal sealed class CompactLogger(CompactLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            provider.Write(logLevel, formatter(state, exception), exception);
        }
    }
}
