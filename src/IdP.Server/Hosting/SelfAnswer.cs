using Microsoft.AspNetCore.Diagnostics;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Hosting;

/// <summary>
/// The answer an exception handler writes itself, instead of re-executing the error page (which would read the
/// database or the request body again): RFC 6749 §5.2-shaped JSON for machines, a short static page for people,
/// each with the headers every response carries (the exception middleware has cleared them).
/// </summary>
internal static class SelfAnswer
{
    /// <summary>The path the client asked for (the exception middleware may already point the request at the error page).</summary>
    public static PathString OriginalPath(HttpContext context)
        => context.Features.Get<IExceptionHandlerPathFeature>()?.Path is { Length: > 0 } original ? new PathString(original) : context.Request.Path;

    public static async Task WriteAsync(
        HttpResponse response, PathString path, int status, string error, string description, string title, string pageText,
        CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        Security.SecurityServiceCollectionExtensions.ApplyBaseHeaders(response.Headers);
        if (MachineClients.AnswerJson(path))
        {
            await response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                [Parameters.Error] = error,
                [Parameters.ErrorDescription] = description,
            }, cancellationToken);
            return;
        }

        // Static text only: nothing from the request is ever written into the page.
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = Security.ContentSecurityPolicyFilter.Policy;
        await response.WriteAsync(
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{title}</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/css/site.css"></head>
            <body><main><h1>{title}</h1>
            {pageText}</main></body></html>
            """, cancellationToken);
    }
}
