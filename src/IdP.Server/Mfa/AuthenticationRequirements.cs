using System.Collections.Immutable;
using IdP.Server.Accounts;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace IdP.Server.Mfa;

/// <summary>
/// What a token request needs of the user, wherever the user approves it (the authorization endpoint, or the
/// device-verification page): the strongest of the client's MFA policy (waived for an exempt user), a second factor
/// for anything gateway-bound, and the levels named in acr_values (OIDC Core §3.1.2.1).
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

        if (await IsGatewayBoundAsync(application, scopes, cancellationToken))
        {
            levels.Add(AuthenticationLevels.MultiFactor);
        }

        levels.AddRange((acrValues ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => AuthenticationLevels.Rank(v) >= 0));
        return levels.MaxBy(AuthenticationLevels.Rank)!;
    }

    /// <summary>
    /// Whether the access token of this request would act on the mainframe: its scopes reach a gateway audience
    /// (<see cref="MfaOptions.GatewayAudiences"/>), or the client is the gateway's own browser login.
    /// </summary>
    public async Task<bool> IsGatewayBoundAsync(object application, ImmutableArray<string> scopes, CancellationToken cancellationToken = default)
    {
        var resources = new List<string>();
        await foreach (var resource in scopeManager.ListResourcesAsync(scopes, cancellationToken))
        {
            resources.Add(resource);
        }

        return await ReachesGatewayAsync(application, resources, cancellationToken);
    }

    /// <summary>
    /// The same decision for an access token about to be issued, from its audiences: one of them is a gateway
    /// audience, or <paramref name="application"/> (null when unknown) is the gateway's own browser login.
    /// </summary>
    public async Task<bool> ReachesGatewayAsync(object? application, IEnumerable<string> audiences, CancellationToken cancellationToken = default)
    {
        var gateway = mfaOptions.Value.EffectiveGatewayAudiences();
        return audiences.Any(audience => gateway.Contains(audience, StringComparer.Ordinal))
            || (application is not null && ApiMlGatewayClient.Is(await applications.GetSettingsAsync(application, cancellationToken)));
    }

    /// <summary>
    /// Whether a sign-in may hold a gateway-bound user token: it proved two factors (RFC 8176 <c>mfa</c>, which IdP
    /// records only for a second factor the user set up with an activation code or was handed), and the user is
    /// not exempt from MFA. A refresh keeps the methods of the original sign-in, so it never upgrades.
    /// </summary>
    public static bool MayActOnMainframe(IdpUser user, IEnumerable<string> methods)
        => !user.MfaExempt && methods.Contains(AuthenticationLevels.Methods.MultiFactor, StringComparer.Ordinal);
}
