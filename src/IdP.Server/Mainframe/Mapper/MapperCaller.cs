using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>Who called the mapper: the gateway (its cookie JWT) or a service (an IdP access token), for the log.</summary>
internal sealed record MapperCaller(string Kind, string Name);

/// <summary>
/// Decides whether a request may ask for mappings. Two kinds of caller:
/// the API ML gateway, which sends <c>Cookie: apimlAuthenticationToken=&lt;JWT it minted for identityMapperUser&gt;</c>
/// (API ML <c>ExternalMapper</c>), verified against the gateway's published keys; and a service holding an IdP
/// client-credentials access token with the mapping scope.
/// </summary>
internal sealed partial class MapperCallerAuthenticator(
    GatewayKeys gatewayKeys, VerifiedGatewayTokens verifiedTokens, IOptions<MapperOptions> options, TimeProvider time,
    ILogger<MapperCallerAuthenticator> logger)
{
    /// <summary>The cookie API ML puts its own JWT in (<c>apiml.security.auth.cookieProperties.cookieName</c>).</summary>
    public const string GatewayCookieName = "apimlAuthenticationToken";

    // The gateway's keys may be RSA or EC (API ML signs with its keystore's key; z/OSMF's JWKS uses RSA). Never HMAC
    // or "none": a shared secret would let anyone who knows it mint a gateway token.
    private static readonly string[] GatewayAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public async Task<MapperCaller?> AuthenticateAsync(HttpContext context)
    {
        if (context.Request.Cookies.TryGetValue(GatewayCookieName, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            return await AuthenticateGatewayAsync(cookie, context.RequestAborted);
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            return await AuthenticateServiceAsync(context);
        }

        LogRefused(logger, "no credentials");
        return null;
    }

    private async Task<MapperCaller?> AuthenticateGatewayAsync(string token, CancellationToken cancellationToken)
    {
        if (options.Value.GatewayJwksUrls.Length == 0)
        {
            LogRefused(logger, "gateway cookie sent but Mainframe:Mapper:GatewayJwksUrls is empty");
            return null;
        }

        var keys = await gatewayKeys.GetAsync(cancellationToken);
        var cacheKey = VerifiedGatewayTokens.KeyFor(token);
        var verified = verifiedTokens.Find(cacheKey, keys) ?? await VerifyGatewayTokenAsync(token, cacheKey, keys, cancellationToken);
        if (verified is null)
        {
            return null;
        }

        var subject = verified.Subject;
        // Mainframe user IDs are case-insensitive (RACF stores them upper-case).
        if (string.IsNullOrEmpty(subject) || !options.Value.EffectiveGatewaySubjects().Contains(subject, StringComparer.OrdinalIgnoreCase))
        {
            LogRefused(logger, "gateway token subject not in Mainframe:Mapper:AllowedGatewaySubjects");
            return null;
        }

        return new MapperCaller("gateway", subject.ToUpperInvariant());
    }

    /// <summary>Signature, algorithm, issuer and lifetime, in full; a token that passes is remembered.</summary>
    private async Task<VerifiedGatewayTokens.Verified?> VerifyGatewayTokenAsync(
        string token, VerifiedGatewayTokens.Key cacheKey, IReadOnlyList<SecurityKey> keys, CancellationToken cancellationToken)
    {
        var result = await ValidateGatewayTokenAsync(token, keys);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && KidOf(token) is { } kid && keys.All(k => k.KeyId != kid))
        {
            // The gateway may have rotated its key since we fetched: one early fetch, rate-limited in GatewayKeys.
            keys = await gatewayKeys.RefreshForUnknownKeyAsync(cancellationToken);
            result = await ValidateGatewayTokenAsync(token, keys);
        }

        if (!result.IsValid)
        {
            LogRefused(logger, "gateway token invalid: " + result.Exception?.GetType().Name);
            return null;
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var verified = new VerifiedGatewayTokens.Verified(
            jwt.Subject,
            jwt.ValidFrom == DateTime.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero),
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero),
            keys);
        verifiedTokens.Remember(cacheKey, verified);
        return verified;
    }

    private Task<TokenValidationResult> ValidateGatewayTokenAsync(string token, IReadOnlyList<SecurityKey> keys)
        => _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidAlgorithms = GatewayAlgorithms,
            ValidIssuers = options.Value.EffectiveGatewayIssuers(),
            // API ML's own JWT carries no audience.
            ValidateAudience = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            // On IdP's clock (tests move it), with zero skew: expired means expired.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } exp && now < exp && (notBefore is not { } nbf || nbf <= now);
            },
        });

    private static string? KidOf(string token)
    {
        try
        {
            return new JsonWebToken(token).Kid is { Length: > 0 } kid ? kid : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private async Task<MapperCaller?> AuthenticateServiceAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            LogRefused(logger, "bearer token invalid or missing");
            return null;
        }

        // Client-credentials tokens are the client's own: sub is the client id. A token a user delegated to an
        // application is not a licence to look up other people's mainframe IDs.
        var subject = principal.GetClaim(Claims.Subject);
        var clientId = principal.GetClaim(Claims.ClientId);
        if (string.IsNullOrEmpty(subject) || !string.Equals(subject, clientId, StringComparison.Ordinal))
        {
            LogRefused(logger, "bearer token is not a client-credentials token");
            return null;
        }

        if (!principal.HasScope(options.Value.MappingScope))
        {
            LogRefused(logger, $"client {clientId} lacks the '{options.Value.MappingScope}' scope");
            return null;
        }

        return new MapperCaller("client", subject);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity mapper caller refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
