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

        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var path = SelfAnswer.OriginalPath(httpContext);
        LogOutage(logger, path, exception.GetBaseException().GetType().Name);
        await SelfAnswer.WriteAsync(httpContext.Response, path, StatusCodes.Status503ServiceUnavailable, Errors.TemporarilyUnavailable,
            "The identity provider cannot reach its database right now. Retry in a few seconds.",
            "Sign-in is briefly unavailable",
            """
            <p role="alert">IdP cannot reach its database at the moment. Nothing you entered was saved. Wait a few seconds, then go back and try again.</p>
            <p>If this lasts more than a few minutes, tell your administrator.</p>
            """, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is unavailable; answered {Path} with 503 ({Cause}).")]
    private static partial void LogOutage(ILogger logger, PathString path, string cause);
}
