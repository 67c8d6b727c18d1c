namespace Courier.Core.Ingest;

/// <summary>The transcoder's tool cannot be run (not installed, not executable): the message says what to install.</summary>
public sealed class TranscoderUnavailableException : Exception
{
    public TranscoderUnavailableException()
    {
    }

    public TranscoderUnavailableException(string message)
        : base(message)
    {
    }

    public TranscoderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
