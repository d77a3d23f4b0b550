using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using IdP.Server.Accounts;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// Builds the principals OpenIddict turns into tokens, and decides which claim goes into which token.
/// Every claim gets an explicit destination: nothing leaks into a token by default.
/// </summary>
public sealed class UserPrincipalFactory(
    IOpenIddictScopeManager scopeManager, IOptions<TokenOptions> tokens, IOptions<Mainframe.MainframeOptions> mainframe, Data.IdpDbContext db)
{
    /// <summary>A principal for a user (authorization code, refresh token and device flows).</summary>
    public async Task<ClaimsPrincipal> CreateForUserAsync(
        IdpUser user, ImmutableArray<string> scopes, DateTimeOffset authenticatedAt, IEnumerable<string> methods,
        CancellationToken cancellationToken = default)
    {
        var identity = new ClaimsIdentity(
            authenticationType: TokenValidationParameters.DefaultAuthenticationType,
            nameType: Claims.Name,
            roleType: Claims.Role);

        identity.SetClaim(Claims.Subject, user.Id)
                .SetClaim(Claims.Name, user.UserName)
                .SetClaim(Claims.PreferredUsername, user.UserName)
                .SetClaim(Claims.Email, user.Email);
        identity.AddClaim(new Claim(Claims.EmailVerified, user.EmailConfirmed ? "true" : "false", ClaimValueTypes.Boolean));
        identity.AddClaim(new Claim(Claims.AuthenticationTime,
            authenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        var methodList = methods.Distinct().ToList();
        identity.SetClaims(Claims.AuthenticationMethodReference, [.. methodList]);
        identity.SetClaim(Claims.AuthenticationContextReference, Mfa.AuthenticationLevels.FromMethods(methodList));

        identity.SetScopes(scopes);
        await SetAudiencesAsync(identity, cancellationToken);
        await AddMainframeUserIdAsync(identity, user.Id, cancellationToken);
        identity.SetDestinations(claim => UserClaimDestinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>A principal for a service (client credentials): RFC 9068 §2.2, <c>sub</c> is the client id.</summary>
    public async Task<ClaimsPrincipal> CreateForClientAsync(
        string clientId, string? displayName, ImmutableArray<string> scopes, CancellationToken cancellationToken = default)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId)
                .SetClaim(Claims.Name, displayName ?? clientId);
        identity.SetScopes(scopes);
        await SetAudiencesAsync(identity, cancellationToken);
        await AddMainframeUserIdAsync(identity, clientId, cancellationToken);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// With the <c>mainframe</c> scope and a configured registry, the mapped user ID for resource servers that trust
    /// IdP directly. No mapping, no claim: the absence never stands for a default user.
    /// </summary>
    private async Task AddMainframeUserIdAsync(ClaimsIdentity identity, string subject, CancellationToken cancellationToken)
    {
        if (!identity.HasScope(Mainframe.MainframeOptions.Scope) || mainframe.Value.TokenClaimRegistry is not { } registry)
        {
            return;
        }

        var userId = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
            db.IdentityMappings.Where(m => m.DistributedId == subject && m.Registry == registry).Select(m => m.MainframeUserId), cancellationToken);
        if (userId is not null)
        {
            identity.SetClaim(Mainframe.MainframeOptions.UserIdClaim, userId);
        }
    }

    /// <summary>The access token's <c>aud</c>: the resources behind the granted API scopes, or the default audience.</summary>
    private async Task SetAudiencesAsync(ClaimsIdentity identity, CancellationToken cancellationToken)
    {
        var resources = new List<string>();
        await foreach (var resource in scopeManager.ListResourcesAsync(identity.GetScopes(), cancellationToken))
        {
            resources.Add(resource);
        }

        identity.SetResources(resources.Count > 0 ? [.. resources.Distinct(StringComparer.Ordinal)] : [tokens.Value.DefaultAudience]);
    }

    private static IEnumerable<string> UserClaimDestinations(Claim claim, ClaimsIdentity identity)
    {
        switch (claim.Type)
        {
            // Who and how: both tokens, so the gateway and the client see the same facts.
            case Claims.Subject:
            case Claims.AuthenticationTime:
            case Claims.AuthenticationMethodReference:
            case Claims.AuthenticationContextReference:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            case Mainframe.MainframeOptions.UserIdClaim:
                yield return Destinations.AccessToken;
                yield break;

            case Claims.Name or Claims.PreferredUsername when identity.HasScope(Scopes.Profile):
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            case Claims.Email or Claims.EmailVerified when identity.HasScope(Scopes.Email):
                yield return Destinations.IdentityToken;
                yield break;

            // Everything else (and the security stamp Identity adds) stays out of tokens.
            default:
                yield break;
        }
    }
}
