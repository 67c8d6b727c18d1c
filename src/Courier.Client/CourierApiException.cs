using System.Net;

namespace Courier.Client;

/// <summary>Courier answered with an error (RFC 7807 problem details): the status, its title and detail.</summary>
public class CourierApiException : Exception
{
    public CourierApiException()
    {
    }

    public CourierApiException(string message)
        : base(message)
    {
    }

    public CourierApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CourierApiException(HttpStatusCode status, string? title, string? detail, string? field)
        : base($"{(int)status} {title ?? status.ToString()}: {detail ?? "(no detail)"}")
    {
        Status = status;
        Title = title;
        Detail = detail;
        Field = field;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's title.</summary>
    public string? Title { get; }

    /// <summary>The problem's detail: what was wrong, in one line.</summary>
    public string? Detail { get; }

    /// <summary>For bad input: the field at fault (<c>renditions[1].path</c>).</summary>
    public string? Field { get; }

    internal static CourierApiException From(HttpStatusCode status, string? title, string? detail, string? field) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge => new CourierBadInputException(status, title, detail, field),
        HttpStatusCode.Unauthorized => new CourierUnauthorizedException(status, title, detail, field),
        HttpStatusCode.NotFound => new CourierNotFoundException(status, title, detail, field),
        HttpStatusCode.Conflict => new CourierConflictException(status, title, detail, field),
        _ => new CourierApiException(status, title, detail, field),
    };
}

/// <summary>400 or 413: the request does not hold; nothing was stored. <see cref="CourierApiException.Field"/> names the field.</summary>
public sealed class CourierBadInputException(HttpStatusCode status, string? title, string? detail, string? field)
    : CourierApiException(status, title, detail, field);

/// <summary>401: the call changes state and the API key is missing or wrong.</summary>
public sealed class CourierUnauthorizedException(HttpStatusCode status, string? title, string? detail, string? field)
    : CourierApiException(status, title, detail, field);

/// <summary>404: no such video or delivery.</summary>
public sealed class CourierNotFoundException(HttpStatusCode status, string? title, string? detail, string? field)
    : CourierApiException(status, title, detail, field);

/// <summary>409: the state does not allow it (e.g. retrying a delivered delivery).</summary>
public sealed class CourierConflictException(HttpStatusCode status, string? title, string? detail, string? field)
    : CourierApiException(status, title, detail, field);
