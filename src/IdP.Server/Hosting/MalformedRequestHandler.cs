using Microsoft.AspNetCore.Diagnostics;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Hosting;

/// <summary>
/// A request body the server will not read is the client's mistake, never a 500: a body over Kestrel's size limit
/// (413), a form whose keys, values or number of fields exceed the form reader's limits, or a body that is not
/// valid HTTP (400). Protocol and API clients get an RFC 6749 §5.2 <c>invalid_request</c>; people get a short page.
/// Nothing the request carried is logged or echoed.
/// </summary>
internal sealed partial class MalformedRequestHandler(ILogger<MalformedRequestHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var status = exception switch
        {
            BadHttpRequestException badRequest => badRequest.StatusCode,
            InvalidDataException when ThrownByRequestReaders(exception) => StatusCodes.Status400BadRequest,
            _ => 0,
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        var path = SelfAnswer.OriginalPath(httpContext);
        // The type only: a reader's message can quote the request (a multipart header line).
        LogRefused(logger, path, status, exception.GetType().Name);
        await SelfAnswer.WriteAsync(httpContext.Response, path, status, Errors.InvalidRequest,
            status == StatusCodes.Status413PayloadTooLarge
                ? "The request body is larger than the server accepts."
                : "The request body could not be read: it is malformed, incomplete, or exceeds the server's limits on form fields.",
            "The form could not be read",
            """
            <p role="alert">What was sent is larger than IdP accepts, or not a form it can read. Nothing was saved.
            Go back, check what you entered, and try again.</p>
            """, cancellationToken);
        return true;
    }

    /// <summary>
    /// ASP.NET Core's form reading (the form feature, and the form and multipart readers under it); an
    /// InvalidDataException from anywhere else is not the client's.
    /// </summary>
    private static bool ThrownByRequestReaders(Exception exception)
        => ExceptionOrigin.ThrownBy(exception, "Microsoft.AspNetCore.WebUtilities", "Microsoft.AspNetCore.Http.Features.FormFeature");

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an unreadable request body on {Path} with {Status} ({Cause}).")]
    private static partial void LogRefused(ILogger logger, PathString path, int status, string cause);
}
