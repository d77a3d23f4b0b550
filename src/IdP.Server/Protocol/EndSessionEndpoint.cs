using Microsoft.AspNetCore;
using IdP.Server.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2). OpenIddict has validated <c>id_token_hint</c> and
/// matched <c>post_logout_redirect_uri</c> exactly against the client's registration.
/// </summary>
internal sealed class EndSessionEndpoint(SignInManager<IdpUser> signIn, UserManager<IdpUser> users, IAntiforgery antiforgery)
{
    public const string ConfirmField = "confirm";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var hint = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

        var confirmed = HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType &&
                        context.Request.Form[ConfirmField] == "yes" && await antiforgery.IsRequestValidAsync(context);

        // §2: without an id_token_hint for the signed-in user, ask the user before signing them out, so a
        // third-party page cannot log them out silently.
        var hintMatchesSession = session.Succeeded && hint.Principal?.GetClaim(Claims.Subject) is { } subject &&
                                 subject == users.GetUserId(session.Principal!);

        if (session.Succeeded && !hintMatchesSession && !confirmed)
        {
            return Results.Redirect("/account/logout?returnUrl=" + Uri.EscapeDataString(AuthorizationEndpoint.BuildReturnUrl(context, except: [])));
        }

        await signIn.SignOutAsync();

        // OpenIddict redirects to the validated post_logout_redirect_uri, or to RedirectUri when there is none.
        return Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/account/logout?done=true" },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }
}
