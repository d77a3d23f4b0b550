using IdP.Server.Data;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Hosting;

/// <summary>
/// Answers a request that failed because the database is unavailable with 503 and <c>Retry-After</c>, never a 500:
/// protocol and API clients get an RFC 6749 §5.2-shaped <c>temporarily_unavailable</c> error, people get a page
/// saying to try again shortly. It writes the response itself rather than re-running the pipeline for the error
/// page, because that would read the database again (session revalidation) and fail the same way.
/// </summary>
internal sealed partial class DatabaseOutageHandler(ILogger<DatabaseOutageHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseOutage.IsOutage(exception))
        {
            return false;
        }

        // Pooled connections opened before a database restart are dead; drop them so recovery needs no restart.
        NpgsqlConnection.ClearAllPools();

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        Security.SecurityServiceCollectionExtensions.ApplyBaseHeaders(response.Headers);

        // The path the client asked for (the middleware may already point the request at the error page).
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path is { Length: > 0 } original
            ? new PathString(original) : httpContext.Request.Path;
        LogOutage(logger, path, exception.GetBaseException().GetType().Name);
        if (MachineClients.AnswerJson(path))
        {
            await response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                [Parameters.Error] = Errors.TemporarilyUnavailable,
                [Parameters.ErrorDescription] = "The identity provider cannot reach its database right now. Retry in a few seconds.",
            }, cancellationToken);
            return true;
        }

        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = Security.ContentSecurityPolicyFilter.Policy;
        await response.WriteAsync(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign-in is briefly unavailable</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/css/site.css"></head>
            <body><main><h1>Sign-in is briefly unavailable</h1>
            <p role="alert">IdP cannot reach its database at the moment. Nothing you entered was saved. Wait a few seconds, then go back and try again.</p>
            <p>If this lasts more than a few minutes, tell your administrator.</p></main></body></html>
            """, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is unavailable; answered {Path} with 503 ({Cause}).")]
    private static partial void LogOutage(ILogger logger, PathString path, string cause);
}
