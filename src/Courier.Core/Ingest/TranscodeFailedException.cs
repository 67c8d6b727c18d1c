namespace Courier.Core.Ingest;

/// <summary>The transcoder ran and failed on a source it had probed: the message carries the tool's last words.</summary>
public sealed class TranscodeFailedException : Exception
{
    public TranscodeFailedException()
    {
    }

    public TranscodeFailedException(string message)
        : base(message)
    {
    }

    public TranscodeFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
