using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore;
using System.Collections.Immutable;
using IdP.Server.Accounts;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// The authorization endpoint (OIDC Core §3.1.2). OpenIddict has already validated the client, the exact
/// redirect_uri, response_type, scopes and PKCE; this decides who the user is, whether they must sign in
/// again (prompt, max_age) and whether they consented.
/// </summary>
internal sealed class AuthorizationEndpoint(
    UserManager<IdpUser> users,
    SignInManager<IdpUser> signIn,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    AuthenticationRequirements requirements,
    UserPrincipalFactory principals,
    IAntiforgery antiforgery,
    Microsoft.AspNetCore.DataProtection.IDataProtectionProvider dataProtection,
    TimeProvider time)
{
    /// <summary>
    /// Carries "the user must have authenticated after T" through the login page when prompt=login or max_age are
    /// removed from the return URL (they would loop otherwise). Sealed with Data Protection, so replaying the
    /// return URL from a signed-in browser cannot skip the re-authentication.
    /// </summary>
    public const string AuthenticatedAfterParameter = "idp_auth_after";
    /// <summary>Form fields the consent page adds to the replayed authorization request.</summary>
    public const string ConsentField = "consent";
    public const string ConsentAccepted = "accept";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not attach the authorization request.");

        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is not null && !await signIn.CanSignInAsync(user))
        {
            // The account was disabled after this session began.
            await signIn.SignOutAsync();
            user = null;
        }

        // OIDC Core §3.1.2.1: prompt=login and an exceeded max_age both demand a fresh authentication.
        var authenticatedAt = session.Succeeded ? SignInSession.GetAuthenticationTime(session.Principal!) : null;
        var mustAuthenticate = user is null || authenticatedAt is null
            || request.HasPromptValue(PromptValues.Login)
            || (request.MaxAge is long maxAge && time.GetUtcNow() - authenticatedAt.Value > TimeSpan.FromSeconds(maxAge))
            || SealedMarker(context) is { } sent && !(Unseal(sent) is { } after && authenticatedAt >= after);

        if (mustAuthenticate)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return ProtocolResults.Forbid(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back to this endpoint after sign-in, without the parameters that forced it (or it would loop), but with
            // a sealed marker that still demands an authentication from now on.
            var marker = Protector().Protect(time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                TimeSpan.FromMinutes(30));
            var returnUrl = BuildReturnUrl(context, except: [Parameters.Prompt, Parameters.MaxAge, AuthenticatedAfterParameter]);
            returnUrl += (returnUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + AuthenticatedAfterParameter + "=" + Uri.EscapeDataString(marker);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [IdentityConstants.ApplicationScheme]);
        }

        // Signed in from here on: mustAuthenticate is true whenever there is no user.
        var signedIn = user!;
        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
        var applicationId = await applications.GetIdAsync(application);
        var scopes = request.GetScopes();

        // A token that would act on the mainframe is never issued to an MFA-exempt user: no step-up can give one.
        if (signedIn.MfaExempt && await requirements.IsGatewayBoundAsync(application, scopes, context.RequestAborted))
        {
            return ProtocolResults.Forbid(Errors.InteractionRequired,
                "This application acts on the mainframe, which needs a second factor; your account is exempt from MFA. Ask your administrator to set up a second factor for you.");
        }

        // The session must have reached the level the client, the audience and acr_values demand.
        var required = await requirements.RequiredLevelAsync(application, request.GetScopes(), signedIn, request.AcrValues, context.RequestAborted);
        if (AuthenticationLevels.Rank(MfaSignIn.LevelOf(session.Principal!)) < AuthenticationLevels.Rank(required))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return ProtocolResults.Forbid(Errors.InteractionRequired, "A stronger authentication is required.");
            }

            // Step-up, not a new login: the second factor (or a passkey) on top of the current session.
            return Results.Redirect("/account/mfa?level=" + Uri.EscapeDataString(required) +
                                    "&returnUrl=" + Uri.EscapeDataString(BuildReturnUrl(context, except: [])));
        }

        // An implicit-consent client (the usual first-party application) needs no look-up of a stored consent.
        var consentType = await applications.GetConsentTypeAsync(application);
        var consented = consentType != ConsentTypes.Implicit && await HasConsentedAsync(signedIn.Id, applicationId!, scopes);
        switch (consentType)
        {
            case ConsentTypes.External when !consented:
                return ProtocolResults.Forbid(Errors.ConsentRequired, "An administrator has not authorized this application for you.");

            case ConsentTypes.Implicit:
            case ConsentTypes.External:
            case ConsentTypes.Explicit when consented && !request.HasPromptValue(PromptValues.Consent):
                return await SignInAsync(signedIn, scopes, session.Principal!);

            case ConsentTypes.Explicit or ConsentTypes.Systematic when request.HasPromptValue(PromptValues.None):
                return ProtocolResults.Forbid(Errors.ConsentRequired, "The user must consent to this application.");
        }

        // Explicit consent: the consent page replays this request as a POST with the user's answer.
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType &&
            context.Request.Form.ContainsKey(ConsentField) && await antiforgery.IsRequestValidAsync(context))
        {
            if (context.Request.Form[ConsentField] != ConsentAccepted)
            {
                return ProtocolResults.Forbid(Errors.AccessDenied, "The user denied the request.");
            }

            var principal = await principals.CreateForUserAsync(signedIn, scopes, authenticatedAt!.Value, SignInSession.GetMethods(session.Principal!));
            await authorizations.CreateAsync(principal, signedIn.Id, applicationId!, AuthorizationTypes.Permanent, scopes);
            return await SignInAsync(signedIn, scopes, session.Principal!);
        }

        return Results.Redirect("/connect/consent?returnUrl=" + Uri.EscapeDataString(BuildReturnUrl(context, except: [])));
    }

    private Microsoft.AspNetCore.DataProtection.ITimeLimitedDataProtector Protector()
        => Microsoft.AspNetCore.DataProtection.DataProtectionAdvancedExtensions.ToTimeLimitedDataProtector(
            dataProtection.CreateProtector("IdP.Protocol.AuthenticatedAfter.v1"));

    /// <summary>The sealed marker as sent (query or form); empty when present without a value, null when absent.</summary>
    private static string? SealedMarker(HttpContext context)
        => context.Request.Query.TryGetValue(AuthenticatedAfterParameter, out var fromQuery) && fromQuery.ToString().Length > 0 ? fromQuery.ToString()
         : context.Request.HasFormContentType && context.Request.Form.TryGetValue(AuthenticatedAfterParameter, out var fromForm) ? fromForm.ToString()
         : context.Request.Query.ContainsKey(AuthenticatedAfterParameter) ? ""
         : null;

    /// <summary>The time the sealed marker demands; null when it was tampered with or expired (fail closed).</summary>
    private DateTimeOffset? Unseal(string marker)
    {
        try
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Protector().Unprotect(marker), System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private async Task<bool> HasConsentedAsync(string subject, string applicationId, ImmutableArray<string> scopes)
    {
        await foreach (var _ in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes))
        {
            return true;
        }

        return false;
    }

    private async Task<IResult> SignInAsync(IdpUser user, ImmutableArray<string> scopes, System.Security.Claims.ClaimsPrincipal session)
    {
        // Note: no authorization id is attached, so OpenIddict creates an ad-hoc authorization per sign-in; a
        // replayed code or reused refresh token then revokes this sign-in's tokens only (RFC 9700 §4.14.2).
        var principal = await principals.CreateForUserAsync(
            user, scopes, SignInSession.GetAuthenticationTime(session)!.Value, SignInSession.GetMethods(session));
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>This request as a local URL, from the query or the form, minus the named parameters.</summary>
    internal static string BuildReturnUrl(HttpContext context, IReadOnlyCollection<string> except)
    {
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source =
            context.Request.HasFormContentType ? context.Request.Form : context.Request.Query;

        var parameters = source
            .Where(p => !except.Contains(p.Key) && p.Key != ConsentField && p.Key != "__RequestVerificationToken")
            .SelectMany(p => p.Value.Select(value => KeyValuePair.Create(p.Key, value)));

        return context.Request.PathBase + context.Request.Path + QueryString.Create(parameters);
    }
}
