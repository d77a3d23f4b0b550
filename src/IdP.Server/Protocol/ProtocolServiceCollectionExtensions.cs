using IdP.Server.Clients;
using IdP.Server.Data;
using IdP.Server.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

public static class ProtocolServiceCollectionExtensions
{
    /// <summary>Registers the OpenID Connect / OAuth 2.0 server (OpenIddict) and its settings.</summary>
    public static IServiceCollection AddIdpProtocol(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdpServerOptions>()
            .Bind(configuration.GetSection(IdpServerOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();
        services.AddOptions<Mainframe.MainframeOptions>()
            .Bind(configuration.GetSection(Mainframe.MainframeOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();
        services.AddOptions<TokenOptions>()
            .Bind(configuration.GetSection(TokenOptions.SectionName))
            .ValidateSettings()
            // Read from configuration, not from the Mfa options, whose own errors are reported on their own.
            .Validate(
                tokens => !new Mfa.MfaOptions { GatewayAudiences = configuration.GetSection($"{Mfa.MfaOptions.SectionName}:{nameof(Mfa.MfaOptions.GatewayAudiences)}").Get<string[]>() }
                    .EffectiveGatewayAudiences().Contains(tokens.DefaultAudience, StringComparer.Ordinal),
                "Tokens:DefaultAudience must not be a gateway audience (Mfa:GatewayAudiences): every token granted no API scope would then act on the mainframe.")
            .ValidateOnStart();

        services.AddOpenIddict()
            // Core: applications, authorizations, scopes and tokens are stored through EF Core in IdpDbContext.
            // Client secrets are SHA-256 digests, and clients and scopes are cached across requests and instances
            // (Clients/, docs/client-authentication.md).
            .AddCore(options =>
            {
                options.UseEntityFrameworkCore().UseDbContext<IdpDbContext>();
                options.UseIdpClients(configuration);
            })

            .AddServer(options =>
            {
                // Endpoints. Discovery and JWKS are served by OpenIddict at /.well-known/*.
                options.SetAuthorizationEndpointUris("connect/authorize")
                       .SetTokenEndpointUris("connect/token")
                       .SetUserInfoEndpointUris("connect/userinfo")
                       .SetEndSessionEndpointUris("connect/endsession")
                       .SetIntrospectionEndpointUris("connect/introspect")
                       .SetRevocationEndpointUris("connect/revoke")
                       .SetDeviceAuthorizationEndpointUris("connect/device")
                       .SetEndUserVerificationEndpointUris("connect/verify");

                // Flows. No implicit or hybrid flow and no password grant (RFC 9700 §2.1.2, §2.4).
                options.AllowAuthorizationCodeFlow()
                       .AllowRefreshTokenFlow()
                       .AllowClientCredentialsFlow()
                       .AllowDeviceAuthorizationFlow();

                // Scopes and claims advertised in the discovery document. API scopes are added with `idp scopes add`.
                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, Mainframe.MainframeOptions.Scope);
                options.RegisterClaims(
                    Claims.Subject, Claims.Name, Claims.PreferredUsername, Claims.Email, Claims.EmailVerified,
                    Claims.AuthenticationTime, Claims.AuthenticationMethodReference, Claims.AuthenticationContextReference);

                // RFC 9700 §2.1.1: PKCE with S256 only; "plain" is not offered. Whether a client must use PKCE is a
                // per-client requirement (always for public clients, by default for confidential ones).
                options.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                // The mainframe gateway validates access tokens itself: RFC 9068 JWTs, signed, never encrypted.
                // Codes, refresh tokens and device codes stay encrypted: only IdP reads them.
                options.DisableAccessTokenEncryption();

                // IdP shows no account picker, so prompt=select_account is not advertised or accepted.
                options.Configure(server => server.PromptValues.Remove(PromptValues.SelectAccount));

                // A repeated parameter is refused instead of being read as missing (RFC 6749 §3.1).
                foreach (var descriptor in RepeatedParameterRejection.Descriptors)
                {
                    options.AddEventHandler(descriptor);
                }

                // Which access tokens the gateway key set signs, and which gateway-bound requests are refused.
                options.AddEventHandler(GatewayTokenRule.Descriptor);

                // Client-credentials access tokens are not stored (see ClientCredentialsTokenStorage).
                options.AddEventHandler(ClientCredentialsTokenStorage.Descriptor);

                // Discovery lists the API scopes created with `idp scopes add`, and bases every URL on the issuer.
                options.AddEventHandler(ApiScopesInDiscovery.Descriptor);
                options.AddEventHandler(IssuerBasedDiscoveryEndpoints.Descriptor);

                // Passthrough only where IdP decides something: who the user is, consent, what goes in tokens, sign-out.
                options.UseAspNetCore()
                       .EnableAuthorizationEndpointPassthrough()
                       .EnableTokenEndpointPassthrough()
                       .EnableUserInfoEndpointPassthrough()
                       .EnableEndSessionEndpointPassthrough()
                       .EnableEndUserVerificationEndpointPassthrough()
                       // Errors that cannot go back to the client (unknown client, bad redirect_uri) get the /error page.
                       .EnableStatusCodePagesIntegration();
            })

            // Validation: userinfo and IdP's own APIs accept the access tokens this server issued.
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
            });

        // Settings that come from configuration (issuer, lifetimes, transport security) and the signing keys.
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ServerOptionsSetup>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerAspNetCoreOptions>, ServerOptionsSetup>();
        services.AddScoped<UserPrincipalFactory>();
        services.AddScoped<TokenRevocation>();
        return services;
    }
}

/// <summary>Copies the validated <c>Server</c> and <c>Tokens</c> settings into OpenIddict's options.</summary>
internal sealed class ServerOptionsSetup(IOptions<IdpServerOptions> server, IOptions<TokenOptions> tokens, TimeProvider time)
    : IConfigureOptions<OpenIddictServerOptions>, IConfigureOptions<OpenIddictServerAspNetCoreOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        options.Issuer = server.Value.GetIssuerUri();
        options.TimeProvider = time;
        options.AccessTokenLifetime = tokens.Value.AccessTokenLifetime;
        options.IdentityTokenLifetime = tokens.Value.IdentityTokenLifetime;
        options.RefreshTokenLifetime = tokens.Value.RefreshTokenLifetime;
        options.RefreshTokenReuseLeeway = tokens.Value.RefreshTokenReuseLeeway;
        options.AuthorizationCodeLifetime = tokens.Value.AuthorizationCodeLifetime;
        options.DeviceCodeLifetime = tokens.Value.DeviceCodeLifetime;
        options.UserCodeLifetime = tokens.Value.DeviceCodeLifetime;
    }

    public void Configure(OpenIddictServerAspNetCoreOptions options)
        => options.DisableTransportSecurityRequirement = !server.Value.RequireHttps;
}
