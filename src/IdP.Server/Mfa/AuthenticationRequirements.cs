using System.Collections.Immutable;
using IdP.Server.Accounts;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace IdP.Server.Mfa;

/// <summary>
/// The authentication level a token request needs, wherever the user approves it (the authorization endpoint, or
/// the device-verification page): the strongest of the client's MFA policy (waived for an exempt user), a second
/// factor for any gateway audience, and the levels named in acr_values (OIDC Core §3.1.2.1).
/// </summary>
public sealed class AuthenticationRequirements(
    IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopeManager, IOptions<MfaOptions> mfaOptions)
{
    public async Task<string> RequiredLevelAsync(object application, ImmutableArray<string> scopes, IdpUser user, string? acrValues,
        CancellationToken cancellationToken = default)
    {
        var policy = ClientMfaPolicy.Of(await applications.GetSettingsAsync(application, cancellationToken));
        var levels = new List<string>
        {
            user.MfaExempt && policy == ClientMfaPolicy.MultiFactor ? AuthenticationLevels.Password : ClientMfaPolicy.RequiredLevel(policy),
        };

        var gateway = mfaOptions.Value.EffectiveGatewayAudiences();
        await foreach (var resource in scopeManager.ListResourcesAsync(scopes, cancellationToken))
        {
            if (gateway.Contains(resource, StringComparer.Ordinal))
            {
                levels.Add(AuthenticationLevels.MultiFactor);
            }
        }

        levels.AddRange((acrValues ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => AuthenticationLevels.Rank(v) >= 0));
        return levels.MaxBy(AuthenticationLevels.Rank)!;
    }
}
