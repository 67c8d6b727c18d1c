using Microsoft.AspNetCore.Http;

namespace Courier.Server.Api;

/// <summary>RFC 7807 problem details as the API answers them; bad input names its <c>field</c>.</summary>
internal static class Problems
{
    public static IResult BadInput(string field, string detail) => Results.Problem(
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest,
        title: "Bad input",
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static IResult TooLarge(long limit) => Results.Problem(
        detail: $"the request body is larger than the {limit} bytes allowed (Courier:Api:MaxBodyBytes)",
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large");

    public static IResult NotFound(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string detail) => Results.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
}
