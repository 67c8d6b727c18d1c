namespace Courier.Core.Sources;

/// <summary>A rendition's source file or directory is gone or unreadable at push time: a permanent failure.</summary>
public sealed class SourceMissingException : Exception
{
    public SourceMissingException()
    {
    }

    public SourceMissingException(string message)
        : base(message)
    {
    }

    public SourceMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
