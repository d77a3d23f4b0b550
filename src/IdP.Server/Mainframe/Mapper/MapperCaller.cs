using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>Who called the mapper: the gateway (its cookie JWT) or a service (an IdP access token), for the log.</summary>
internal sealed record MapperCaller(string Kind, string Name);

/// <summary>
/// Decides whether a request may ask for mappings. Two kinds of caller:
/// the API ML gateway, which sends <c>Cookie: apimlAuthenticationToken=&lt;JWT it minted for identityMapperUser&gt;</c>
/// (API ML <c>ExternalMapper</c>; <c>apimlAuthenticationToken.&lt;id&gt;</c> with its <c>uniqueCookie</c>), verified
/// against the gateway's published keys; and a service holding an IdP client-credentials access token with the
/// mapping scope.
/// </summary>
/// <remarks>
/// API ML mints that JWT afresh for every call (new <c>iat</c> and <c>jti</c>), RS256, with no <c>kid</c> in its
/// header, so its signature is checked against every RSA key of the gateway's set, on every call.
/// </remarks>
internal sealed partial class MapperCallerAuthenticator(
    GatewayKeys gatewayKeys, IOptions<MapperOptions> options, IOptionsMonitor<OpenIddictServerOptions> idpServer, TimeProvider time,
    ILogger<MapperCallerAuthenticator> logger)
{
    /// <summary>The cookie API ML puts its own JWT in (<c>apiml.security.auth.cookieProperties.cookieName</c>).</summary>
    public const string GatewayCookieName = "apimlAuthenticationToken";

    // The name API ML gives it with uniqueCookie: true ("apimlAuthenticationToken.<cookieIdentifier>").
    private const string UniqueGatewayCookiePrefix = GatewayCookieName + ".";

    // A gateway sends one such cookie; only the first few are tried, so that one request cannot buy many signature checks.
    private const int MaxGatewayCookies = 3;

    // API ML signs with its keystore's RSA key (RS256), z/OSMF with RSA too. Never EC, HMAC or "none": the set may
    // carry other keys, and a shared secret would let anyone who knows it mint a gateway token.
    private static readonly string[] GatewayAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
    ];

    private static readonly object GatewayResultKey = new();

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>Whether the request carried a gateway cookie, and the gateway caller if one verified.</summary>
    private sealed record GatewayResult(bool Presented, MapperCaller? Caller);

    public async Task<MapperCaller?> AuthenticateAsync(HttpContext context)
    {
        // The cookie wins when both are sent: a gateway call is judged by its cookie alone.
        var gateway = await AuthenticateGatewayAsync(context);
        if (gateway.Presented)
        {
            return gateway.Caller;
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            return await AuthenticateServiceAsync(context);
        }

        LogRefused(logger, "no credentials");
        return null;
    }

    /// <summary>
    /// The gateway caller, if the request's gateway cookie verifies; decided once per request. The mapper's branch asks
    /// before its rate limiter (a verified gateway is not limited per IP), and the endpoint gets the same answer.
    /// </summary>
    public async Task<MapperCaller?> VerifiedGatewayAsync(HttpContext context) => (await AuthenticateGatewayAsync(context)).Caller;

    private async Task<GatewayResult> AuthenticateGatewayAsync(HttpContext context)
    {
        if (context.Items[GatewayResultKey] is GatewayResult known)
        {
            return known;
        }

        var cookies = GatewayCookies(context.Request);
        var result = cookies.Count == 0 ? new GatewayResult(false, null) : new GatewayResult(true, await VerifyGatewayAsync(cookies, context.RequestAborted));
        context.Items[GatewayResultKey] = result;
        return result;
    }

    /// <summary>The values of <c>apimlAuthenticationToken</c> and <c>apimlAuthenticationToken.*</c> cookies, in the order sent.</summary>
    private static List<string> GatewayCookies(HttpRequest request)
    {
        var values = new List<string>();
        if (request.Headers.Cookie.Count == 0 || !CookieHeaderValue.TryParseList(request.Headers.Cookie, out var cookies))
        {
            return values;
        }

        foreach (var cookie in cookies)
        {
            if ((cookie.Name.Equals(GatewayCookieName, StringComparison.Ordinal) || cookie.Name.StartsWith(UniqueGatewayCookiePrefix, StringComparison.Ordinal))
                && cookie.Value.Length > 0)
            {
                values.Add(cookie.Value.ToString());
            }
        }

        return values;
    }

    /// <summary>The first cookie that verifies gives the caller.</summary>
    private async Task<MapperCaller?> VerifyGatewayAsync(List<string> cookies, CancellationToken cancellationToken)
    {
        if (options.Value.GatewayJwksUrls.Length == 0)
        {
            LogRefused(logger, "gateway cookie sent but Mainframe:Mapper:GatewayJwksUrls is empty");
            return null;
        }

        string? refusal = null;
        foreach (var cookie in cookies.Take(MaxGatewayCookies))
        {
            var (caller, why) = await VerifyGatewayTokenAsync(cookie, cancellationToken);
            if (caller is not null)
            {
                return caller;
            }

            refusal ??= why;
        }

        LogRefused(logger, "gateway cookie refused: " + refusal);
        return null;
    }

    private async Task<(MapperCaller? Caller, string? Refusal)> VerifyGatewayTokenAsync(string token, CancellationToken cancellationToken)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception exception) when (exception is ArgumentException or JsonException or FormatException)
        {
            return (null, "not a JWT");
        }

        // The cheap checks first: a forged cookie that fails them costs no signature check.
        if (Refusal(jwt) is { } refusal)
        {
            return (null, refusal);
        }

        var keys = await gatewayKeys.GetAsync(cancellationToken);
        var result = await ValidateAsync(jwt, keys);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException
            && await gatewayKeys.RefreshForUnverifiedTokenAsync(cancellationToken) is { } refreshed)
        {
            // No key verified it: the gateway may have a new key since we fetched (rate-limited in GatewayKeys).
            result = await ValidateAsync(jwt, refreshed);
        }

        if (!result.IsValid)
        {
            return (null, "signature, issuer or lifetime invalid: " + result.Exception?.GetType().Name);
        }

        // Mainframe user IDs are case-insensitive (RACF stores them upper-case); Refusal checked the subject.
        return (new MapperCaller("gateway", jwt.Subject.ToUpperInvariant()), null);
    }

    /// <summary>Why the token can never be the gateway's, from its header and claims alone; null if it may be.</summary>
    private string? Refusal(JsonWebToken jwt)
    {
        // RFC 7515 §4.1.11: "crit" lists extensions the recipient must understand, and the mapper understands none.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return "crit header";
        }

        // RFC 8725 §3.11: an access token (typ at+jwt, RFC 9068 §2.1), such as IdP's own, is never the gateway's token.
        if (jwt.Typ is { } type && (type.Equals("at+jwt", StringComparison.OrdinalIgnoreCase) || type.Equals("application/at+jwt", StringComparison.OrdinalIgnoreCase)))
        {
            return "an access token";
        }

        if (!GatewayAlgorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            return "alg is not an RSA signature";
        }

        // A token IdP issued is never the gateway's, even if an operator lists IdP's issuer in GatewayIssuers.
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Iss, out var issuer)
            || !options.Value.EffectiveGatewayIssuers().Contains(issuer, StringComparer.Ordinal)
            || string.Equals(issuer, idpServer.CurrentValue.Issuer?.AbsoluteUri, StringComparison.Ordinal))
        {
            return "iss not in Mainframe:Mapper:GatewayIssuers";
        }

        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) || string.IsNullOrEmpty(subject)
            || !options.Value.EffectiveGatewaySubjects().Contains(subject, StringComparer.OrdinalIgnoreCase))
        {
            return "sub not in Mainframe:Mapper:AllowedGatewaySubjects";
        }

        return HasNumericExpiry(jwt) ? null : "exp missing or not a number";
    }

    /// <summary>
    /// RFC 7519 §4.1.4: <c>exp</c> is a NumericDate, a JSON number (§2). The token handler also takes
    /// <c>"exp":"1767225600"</c>, a string, so the payload is read here for the type of every top-level <c>exp</c>.
    /// </summary>
    private static bool HasNumericExpiry(JsonWebToken jwt)
    {
        try
        {
            var reader = new Utf8JsonReader(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExpiry = reader.ValueTextEquals(JwtRegisteredClaimNames.Exp);
                reader.Read();
                if (isExpiry)
                {
                    if (reader.TokenType != JsonTokenType.Number)
                    {
                        return false;
                    }

                    found = true;
                }

                reader.Skip();
            }

            return found;
        }
        catch (Exception exception) when (exception is JsonException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    private Task<TokenValidationResult> ValidateAsync(JsonWebToken jwt, IReadOnlyList<JsonWebKey> keys)
        => _handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            // No kid in API ML's header: every key of the set is tried.
            IssuerSigningKeys = keys,
            // RFC 7517 §4.4: a key whose JWK names an "alg" verifies that algorithm only.
            AlgorithmValidator = (algorithm, key, _, _) => GatewayAlgorithms.Contains(algorithm, StringComparer.Ordinal)
                && (key is not JsonWebKey { Alg: { Length: > 0 } pinned } || string.Equals(pinned, algorithm, StringComparison.Ordinal)),
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
            LogRefused(logger, $"client {MainframeNames.Visible(clientId ?? "")} lacks the '{options.Value.MappingScope}' scope");
            return null;
        }

        return new MapperCaller("client", subject);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity mapper caller refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
