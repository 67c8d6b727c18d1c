namespace Courier.Testing.Proxy;

/// <summary>Thrown by <see cref="LimitedStream"/> to stop reading a body at the stall point.</summary>
internal sealed class LimitReachedException : Exception
{
    public LimitReachedException()
        : base("limit reached")
    {
    }

    public LimitReachedException(string message)
        : base(message)
    {
    }

    public LimitReachedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
