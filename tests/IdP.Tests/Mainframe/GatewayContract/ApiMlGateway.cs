using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>What the gateway decided about an access token: the distributed identity, or why it refused.</summary>
public sealed record GatewayVerdict(string? DistributedId, string? Refusal)
{
    public bool Accepted => DistributedId is not null;

    public static GatewayVerdict Refuse(string why) => new(null, why);
}

/// <summary>The mapper's answer as the gateway receives it.</summary>
public sealed record MapperAnswer(int Status, string Body)
{
    private static readonly string[] Fields = ["userid", "returnCode", "safReturnCode", "racfReturnCode", "racfReasonCode"];

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>
    /// The user ID as API ML's <c>ExternalMapper</c> reads the answer: only from a 2xx, through a plain Jackson
    /// <c>ObjectMapper</c> (an unknown field fails the parse), only when all four codes are 0; trimmed, empty is none.
    /// </summary>
    public string? UserIdAsApiMlReadsIt()
    {
        if (Status is < 200 or > 299)
        {
            return null;
        }

        try
        {
            var json = Json;
            if (json.ValueKind != JsonValueKind.Object || json.EnumerateObject().Any(p => !Fields.Contains(p.Name, StringComparer.Ordinal)))
            {
                return null; // ZWEAG170: Jackson's FAIL_ON_UNKNOWN_PROPERTIES
            }

            var codes = Fields.Skip(1).Select(f => json.TryGetProperty(f, out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : -1);
            if (codes.Any(code => code != 0))
            {
                return null;
            }

            // Codes 0 without a userid is an uncaught NullPointerException in API ML: not mapped either way.
            return json.TryGetProperty("userid", out var userId) && userId.ValueKind == JsonValueKind.String
                   && userId.GetString()!.Trim() is { Length: > 0 } trimmed
                ? trimmed
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// A test double of the Zowe API ML v3 gateway, written from its source (zowe/api-layer v3.0.39: zaas-service
/// <c>OIDCTokenProviderJWK</c>, <c>ExternalMapper</c>, <c>OIDCExternalMapper</c>), not from IdP's code:
/// <list type="bullet">
/// <item>OIDC access tokens: <c>iss</c> read without checking the signature, must be a valid URL and not one of the
/// reserved issuers <c>APIML</c>, <c>zOSMF</c>, <c>APIML_PAT</c>. The signature is checked with the JWKS at
/// <c>apiml.security.oidc.jwks.uri</c>, used exactly as configured (no discovery), fetched once at start-up
/// (hourly after that; an unknown <c>kid</c> triggers no refresh). The header must carry a <c>kid</c>, looked up in
/// the whole set; RSA keys only; <c>exp</c> with zero skew; <c>iss</c> and <c>aud</c> not checked. JWE is not supported.</item>
/// <item>The distributed identity is <c>sub</c>; builds after v3.0.39 read <c>apiml.security.oidc.userIdField</c>
/// instead (a dot-path into the payload, default <c>sub</c>). API ML checks no length: the 246- and 255-byte limits
/// are RACF's, and IdP's mapper enforces them.</item>
/// <item>With <c>useInternalMapper: false</c> it POSTs <c>{"dn","registry"}</c> to <c>identityMapperUrl</c> for every
/// mapping, as ISO-8859-1 bytes under <c>Content-Type: application/json</c>, with
/// <c>Cookie: &lt;cookieName&gt;=&lt;a JWT minted for identityMapperUser on this very call&gt;</c>, and reads the answer
/// strictly (<see cref="MapperAnswer.UserIdAsApiMlReadsIt"/>). A 5xx it logs as an error (ZWEAG169), any other
/// non-2xx at debug level only.</item>
/// </list>
/// </summary>
/// <param name="jwksPath">The path of <c>apiml.security.oidc.jwks.uri</c> on IdP.</param>
/// <param name="cookieName"><c>apimlAuthenticationToken</c>, or <c>apimlAuthenticationToken.&lt;id&gt;</c> with <c>uniqueCookie: true</c>.</param>
/// <param name="userIdField"><c>apiml.security.oidc.userIdField</c> of newer builds; null: <c>sub</c>, as v3.0.39.</param>
public sealed class ApiMlGateway(
    HttpClient idp, GatewayKeyServer ownKeys, TimeProvider clock, string registry, string jwksPath, string cookieName = ApiMlGateway.DefaultCookieName,
    string? userIdField = null)
{
    public const string MapperUrl = "/zss/api/v1/certificate/dn";
    public const string DefaultCookieName = "apimlAuthenticationToken";
    private static readonly string[] ReservedIssuers = ["APIML", "zOSMF", "APIML_PAT"];

    private IReadOnlyList<JsonWebKey>? _providerKeys;
    private readonly List<MapperAnswer> _mapperErrors = [];

    /// <summary>How many times the gateway fetched IdP's JWKS (once, at start-up).</summary>
    public int JwksFetches { get; private set; }

    /// <summary>The mapper answers API ML would have logged as errors (5xx); a 4xx it logs at debug level only.</summary>
    public IReadOnlyList<MapperAnswer> MapperErrors => _mapperErrors;

    /// <summary>Start-up: the configured JWKS URL, as is. Never again during the test.</summary>
    public async Task StartAsync()
    {
        var jwks = new JsonWebKeySet(await idp.GetStringAsync(new Uri(jwksPath, UriKind.Relative)));
        JwksFetches++;
        _providerKeys = [.. jwks.Keys];
    }

    /// <summary>Validates an access token as API ML's OIDC provider does and extracts the distributed identity.</summary>
    public async Task<GatewayVerdict> ValidateAsync(string accessToken)
    {
        var keys = _providerKeys ?? throw new InvalidOperationException("StartAsync first.");
        if (accessToken.Split('.').Length != 3)
        {
            return GatewayVerdict.Refuse("not a JWS (JWE is not supported)");
        }

        JsonWebToken unverified;
        try
        {
            unverified = new JsonWebToken(accessToken);
        }
        catch (ArgumentException)
        {
            return GatewayVerdict.Refuse("not a JWT");
        }

        // The issuer is read before the signature is checked, to pick the provider.
        if (!unverified.TryGetPayloadValue<string>("iss", out var issuer) || ReservedIssuers.Contains(issuer, StringComparer.Ordinal)
            || !Uri.TryCreate(issuer, UriKind.Absolute, out _))
        {
            return GatewayVerdict.Refuse("iss is reserved or not an absolute URL");
        }

        if (string.IsNullOrEmpty(unverified.Kid))
        {
            return GatewayVerdict.Refuse("no kid in the header");
        }

        if (!unverified.Alg.StartsWith("RS", StringComparison.Ordinal) && !unverified.Alg.StartsWith("PS", StringComparison.Ordinal))
        {
            return GatewayVerdict.Refuse($"alg {unverified.Alg} is not an RSA signature");
        }

        // The kid is looked up in the whole set (not only use=sig keys); no refresh when it is unknown.
        if (keys.FirstOrDefault(k => k.Kid == unverified.Kid) is not { } key || key.Kty != JsonWebAlgorithmsKeyTypes.RSA)
        {
            return GatewayVerdict.Refuse("kid unknown or not an RSA key");
        }

        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(accessToken, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512],
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            LifetimeValidator = (_, expires, _, _) => expires is { } exp && clock.GetUtcNow().UtcDateTime < exp, // zero skew
        });
        if (!result.IsValid)
        {
            return GatewayVerdict.Refuse("signature or exp: " + result.Exception?.GetType().Name);
        }

        var distributedId = DistributedIdOf((JsonWebToken)result.SecurityToken);
        if (string.IsNullOrWhiteSpace(distributedId))
        {
            return GatewayVerdict.Refuse("no distributed identity");
        }

        return new GatewayVerdict(distributedId, null);
    }

    private string? DistributedIdOf(JsonWebToken token)
    {
        if (userIdField is null)
        {
            return token.Subject;
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var element = payload.RootElement;
        foreach (var part in userIdField.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    /// <summary>The whole path: validate the access token, call the identity mapper, take the user ID or nothing.</summary>
    public async Task<string?> MapAsync(string accessToken)
    {
        var verdict = await ValidateAsync(accessToken);
        if (!verdict.Accepted)
        {
            return null;
        }

        return (await CallMapperAsync(verdict.DistributedId, registry)).UserIdAsApiMlReadsIt();
    }

    /// <summary>
    /// One mapper call as the gateway sends it: a cookie minted for this call (unless the test gives one, or a whole
    /// <c>Cookie</c> header), the body as ISO-8859-1. Or with a bearer token instead, as a service would, or with no
    /// credentials at all (<paramref name="anonymous"/>), as a stranger would.
    /// </summary>
    public async Task<MapperAnswer> CallMapperAsync(string? dn, string? registryName, string? cookie = null, string? bearer = null,
        string? rawBody = null, string contentType = "application/json", string? cookieHeader = null, bool anonymous = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(MapperUrl, UriKind.Relative));
        // Jackson writes the JSON, then HttpClient 5's StringEntity encodes it as ISO-8859-1 ('?' beyond it).
        request.Content = new ByteArrayContent(Encoding.Latin1.GetBytes(rawBody ?? JacksonJson(dn, registryName)));
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (!anonymous && (bearer is null || cookie is not null || cookieHeader is not null))
        {
            request.Headers.Add("Cookie", cookieHeader ?? $"{cookieName}={cookie ?? ownKeys.MintCookie(clock.GetUtcNow())}");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await idp.SendAsync(request);
        var answer = new MapperAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        if (answer.Status >= 500)
        {
            _mapperErrors.Add(answer);
        }

        return answer;
    }

    /// <summary>What Jackson's <c>writeValueAsString</c> gives: only quotes, backslashes and control characters escaped.</summary>
    private static string JacksonJson(string? dn, string? registryName)
    {
        static string Value(string? value)
        {
            if (value is null)
            {
                return "null";
            }

            var text = new StringBuilder("\"");
            foreach (var c in value)
            {
                text.Append(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    < ' ' => $"\\u{(int)c:X4}",
                    _ => c.ToString(),
                });
            }

            return text.Append('"').ToString();
        }

        return $$"""{"dn":{{Value(dn)}},"registry":{{Value(registryName)}}}""";
    }
}
