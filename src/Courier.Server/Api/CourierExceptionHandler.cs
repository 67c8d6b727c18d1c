using Courier.Core.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Api;

/// <summary>
/// Turns what escapes an endpoint into problem details: bad input is 400 naming its field, a body Kestrel refused keeps its
/// status (413), anything else is 500 with no stack trace or inner message (those go to the log).
/// </summary>
internal sealed partial class CourierExceptionHandler(ILogger<CourierExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        IResult result;
        switch (exception)
        {
            case BadInputException bad:
                result = Problems.BadInput(bad.Field, bad.Message);
                break;
            case BadHttpRequestException request:
                result = Results.Problem(detail: request.Message, statusCode: request.StatusCode, title: "Bad request");
                break;
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                return true;
            default:
                LogUnhandled(exception, httpContext.Request.Method, httpContext.Request.Path);
                result = Results.Problem(
                    detail: "Courier could not answer this request; the server log has the cause.",
                    statusCode: StatusCodes.Status500InternalServerError,
                    title: "Internal error");
                break;
        }

        await result.ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}
