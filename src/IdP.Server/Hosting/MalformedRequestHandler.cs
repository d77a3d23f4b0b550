using System.Diagnostics;
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

        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path is { Length: > 0 } original
            ? new PathString(original) : httpContext.Request.Path;
        // The type only: a reader's message can quote the request (a multipart header line).
        LogRefused(logger, path, status, exception.GetType().Name);

        var response = httpContext.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        Security.SecurityServiceCollectionExtensions.ApplyBaseHeaders(response.Headers);
        var tooLarge = status == StatusCodes.Status413PayloadTooLarge;
        if (MachineClients.AnswerJson(path))
        {
            await response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                [Parameters.Error] = Errors.InvalidRequest,
                [Parameters.ErrorDescription] = tooLarge
                    ? "The request body is larger than the server accepts."
                    : "The request body could not be read: it is malformed, incomplete, or exceeds the server's limits on form fields.",
            }, cancellationToken);
            return true;
        }

        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = Security.ContentSecurityPolicyFilter.Policy;
        await response.WriteAsync(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>The form could not be read</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/css/site.css"></head>
            <body><main><h1>The form could not be read</h1>
            <p role="alert">What was sent is larger than IdP accepts, or not a form it can read. Nothing was saved.
            Go back, check what you entered, and try again.</p></main></body></html>
            """, cancellationToken);
        return true;
    }

    /// <summary>
    /// ASP.NET Core's form reading (the form feature, and the form and multipart readers under it); an
    /// InvalidDataException from anywhere else is not the client's.
    /// </summary>
    private static bool ThrownByRequestReaders(Exception exception)
        => new StackTrace(exception).GetFrames().Any(frame => frame.GetMethod()?.DeclaringType?.FullName is { } type
            && (type.StartsWith("Microsoft.AspNetCore.WebUtilities", StringComparison.Ordinal)
                || type.StartsWith("Microsoft.AspNetCore.Http.Features.FormFeature", StringComparison.Ordinal)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an unreadable request body on {Path} with {Status} ({Cause}).")]
    private static partial void LogRefused(ILogger logger, PathString path, int status, string cause);
}
