using Microsoft.AspNetCore;
using IdP.Server.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// The token endpoint (RFC 6749 §3.2). OpenIddict has authenticated the client and validated the grant (code +
/// PKCE verifier, refresh token rotation and reuse, device code); this re-checks the user and issues tokens.
/// </summary>
internal sealed class TokenEndpoint(
    UserManager<IdpUser> users,
    SignInManager<IdpUser> signIn,
    IOpenIddictApplicationManager applications,
    UserPrincipalFactory principals)
{
    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not attach the token request.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            var grant = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal
                ?? throw new InvalidOperationException("OpenIddict validated a grant without a principal.");
            var user = grant.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;

            // The account may have been disabled or deleted since the code or refresh token was issued.
            if (user is null || !await signIn.CanSignInAsync(user))
            {
                return ProtocolResults.Forbid(Errors.InvalidGrant, "The user is no longer allowed to sign in.");
            }

            // Claims are rebuilt from the account as it is now; how and when the user authenticated is carried over.
            var authenticatedAt = long.TryParse(grant.GetClaim(Claims.AuthenticationTime), out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : throw new InvalidOperationException("A user grant without auth_time was issued.");
            var principal = await principals.CreateForUserAsync(
                user, grant.GetScopes(), authenticatedAt, grant.GetClaims(Claims.AuthenticationMethodReference),
                context.RequestAborted);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // No user is behind this grant. OpenID Connect Core §2: an ID token is about an end-user (and OpenIddict
            // asks no permission for openid); RFC 6749 §4.4.3: no refresh token. Refused, as Duende IdentityServer
            // does, rather than issuing an ID token whose subject is a client.
            if (request.HasScope(Scopes.OpenId) || request.HasScope(Scopes.OfflineAccess))
            {
                return ProtocolResults.Forbid(Errors.InvalidScope,
                    "The openid and offline_access scopes need a signed-in user; a client-credentials grant cannot request them.");
            }

            var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
                ?? throw new InvalidOperationException("OpenIddict authenticated a client that does not exist.");
            var principal = await principals.CreateForClientAsync(
                request.ClientId!, await applications.GetDisplayNameAsync(application, context.RequestAborted), request.GetScopes(),
                context.RequestAborted);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        throw new InvalidOperationException($"OpenIddict accepted a grant type IdP does not handle: {request.GrantType}.");
    }
}
