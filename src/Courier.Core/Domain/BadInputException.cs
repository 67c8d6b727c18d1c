namespace Courier.Core.Domain;

/// <summary>
/// A submission, command line or configuration that Courier refuses. Nothing has been stored when it is thrown.
/// <see cref="Field"/> names what is at fault (a JSON field or a configuration key).
/// </summary>
public sealed class BadInputException : Exception
{
    public BadInputException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public BadInputException()
    {
        Field = string.Empty;
    }

    public BadInputException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public BadInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
    }

    /// <summary>The field or configuration key at fault, e.g. <c>renditions[1].path</c>.</summary>
    public string Field { get; }

    /// <summary>
    /// The message with the field named as the caller knows it: a command line says <c>--video</c> where the API says
    /// <c>videoId</c>. Only a message that begins with <see cref="Field"/> names it; any other is returned unchanged.
    /// </summary>
    public string MessageFor(string fieldName) =>
        Field.Length > 0 && Message.StartsWith(Field, StringComparison.Ordinal) ? fieldName + Message[Field.Length..] : Message;
}
