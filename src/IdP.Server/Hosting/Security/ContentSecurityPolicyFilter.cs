using Microsoft.AspNetCore.Mvc.Filters;

namespace IdP.Server.Hosting.Security;

/// <summary>
/// The Content-Security-Policy of IdP's pages: scripts and styles only from IdP's own files (no inline script, so
/// injected markup cannot run), QR codes as data: images, and no framing (clickjacking of the sign-in form).
/// <para>
/// Pages only: OpenIddict's own responses (JSON, and the form_post page, whose auto-submit script must run and post
/// to the client) are not Razor pages. No form-action: a sign-in or consent form posts to IdP, which answers with a
/// redirect to the client's redirect URI, and browsers apply form-action to every hop of that redirect chain.
/// </para>
/// </summary>
public sealed class ContentSecurityPolicyFilter : IResultFilter
{
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

    public void OnResultExecuting(ResultExecutingContext context)
        => context.HttpContext.Response.Headers.ContentSecurityPolicy = Policy;

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
