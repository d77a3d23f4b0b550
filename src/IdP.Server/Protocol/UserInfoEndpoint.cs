using IdP.Server.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>The UserInfo endpoint (OIDC Core §5.3): the claims the access token's scopes allow.</summary>
internal sealed class UserInfoEndpoint(UserManager<IdpUser> users)
{
    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var token = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = token.Principal!;

        // OIDC Core §5.3: UserInfo serves OpenID Connect requests only.
        if (!principal.HasScope(Scopes.OpenId))
        {
            return ProtocolResults.Forbid(Errors.InsufficientScope, "The access token was not granted the 'openid' scope.");
        }

        var user = await users.FindByIdAsync(principal.GetClaim(Claims.Subject)!);
        if (user is null || user.IsDisabled)
        {
            return ProtocolResults.Challenge(Errors.InvalidToken, "The access token's user no longer exists or is disabled.");
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = user.Id,
        };

        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.UserName!;
            claims[Claims.PreferredUsername] = user.UserName!;
        }

        if (principal.HasScope(Scopes.Email) && user.Email is not null)
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        return Results.Ok(claims);
    }
}
