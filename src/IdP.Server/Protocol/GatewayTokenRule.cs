using IdP.Server.Accounts;
using IdP.Server.Keys;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Protocol;

/// <summary>
/// Decides, for every access token OpenIddict is about to issue, whether the gateway key set signs it. The gateway
/// checks keys, not claims (it reads no <c>aud</c>, <c>amr</c> or <c>acr</c>), so this is where mainframe access is
/// granted. Gateway-bound means an audience in <see cref="MfaOptions.GatewayAudiences"/>, or a token for the
/// gateway's own browser-login client. Such a token is gateway-signed when it is:
/// <list type="bullet">
/// <item>a service token (client credentials); or</item>
/// <item>a user token of a sign-in that proved two factors, for a user who is not MFA-exempt
/// (<see cref="AuthenticationRequirements.MayActOnMainframe"/>).</item>
/// </list>
/// A gateway-bound user token that may not be gateway-signed is refused, never quietly signed with a general key.
/// Every other token, and every ID token, is signed by the general set.
/// </summary>
internal sealed class GatewayTokenRule(
    IOpenIddictApplicationManager applications, AuthenticationRequirements requirements, UserManager<IdpUser> users)
    : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireAccessTokenGenerated>()
            .UseScopedHandler<GatewayTokenRule>()
            // After OpenIddict built the access token's principal (its audiences and claims), before it is generated.
            .SetOrder(OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        var token = context.AccessTokenPrincipal
            ?? throw new InvalidOperationException("OpenIddict prepared no access token principal.");
        var application = context.ClientId is { } clientId ? await applications.FindByClientIdAsync(clientId, context.CancellationToken) : null;
        if (!await requirements.ReachesGatewayAsync(application, token.GetAudiences(), context.CancellationToken))
        {
            return;
        }

        if (!context.Request.IsClientCredentialsGrantType())
        {
            var user = token.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
            if (user is null || !AuthenticationRequirements.MayActOnMainframe(user, token.GetClaims(Claims.AuthenticationMethodReference)))
            {
                context.Reject(Errors.InvalidGrant,
                    "This token would act on the mainframe, which needs a sign-in with a second factor by a user who is not exempt from MFA. Sign in again with your second factor.");
                return;
            }
        }

        GatewaySigning.Request(context.Transaction);

        // For gateways set to read apiml.security.oidc.userIdField: the distributed identity, in gateway-signed tokens only.
        token.SetClaim(IdpClaims.MainframeId, token.GetClaim(Claims.Subject));
    }
}
