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
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A test double of the Zowe API ML v3 gateway, written from its documented behaviour, not from IdP's code:
/// <list type="bullet">
/// <item>OIDC access tokens: <c>iss</c> read without checking the signature, must be an absolute URL and not one of the
/// reserved issuers <c>APIML</c>, <c>zOSMF</c>, <c>APIML_PAT</c>; the signature is checked with the provider's JWKS,
/// fetched ONCE at start-up (refreshed hourly in API ML; an unknown <c>kid</c> does not trigger a refresh); RSA keys
/// only; the header must carry a <c>kid</c>; <c>exp</c> with zero skew; <c>iss</c>, <c>aud</c>, <c>amr</c>, <c>acr</c>
/// not checked. JWE is not supported.</item>
/// <item>The distributed identity is <c>sub</c> (or a dot-path <c>userIdField</c>), at most 246 bytes; the registry at most 255.</item>
/// <item>With <c>useInternalMapper: false</c> it POSTs <c>{"dn","registry"}</c> as JSON to <c>identityMapperUrl</c>, with
/// <c>Cookie: apimlAuthenticationToken=&lt;its own JWT for identityMapperUser&gt;</c>, and accepts <c>userid</c> only
/// from a 2xx answer with <c>returnCode</c> 0; a user ID is at most 8 characters.</item>
/// </list>
/// </summary>
public sealed class ApiMlGateway(HttpClient idp, GatewayKeyServer ownKeys, TimeProvider clock, string registry, string? userIdField = null)
{
    public const string MapperUrl = "/zss/api/v1/certificate/dn";
    private static readonly string[] ReservedIssuers = ["APIML", "zOSMF", "APIML_PAT"];

    private IReadOnlyDictionary<string, JsonWebKey>? _providerKeys;

    /// <summary>How many times the gateway fetched IdP's JWKS (once, at start-up).</summary>
    public int JwksFetches { get; private set; }

    /// <summary>Start-up: discovery, then the JWKS it names. Never again during the test.</summary>
    public async Task StartAsync()
    {
        var jwks = new JsonWebKeySet(await idp.GetStringAsync(new Uri("/.well-known/gateway-jwks", UriKind.Relative)));
        JwksFetches++;
        _providerKeys = jwks.Keys.Where(k => !string.IsNullOrEmpty(k.Kid)).ToDictionary(k => k.Kid, StringComparer.Ordinal);
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

        // No refresh on an unknown kid: API ML only refreshes on its hourly schedule.
        if (!keys.TryGetValue(unverified.Kid, out var key) || key.Kty != JsonWebAlgorithmsKeyTypes.RSA)
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
        if (string.IsNullOrEmpty(distributedId) || Encoding.UTF8.GetByteCount(distributedId) > 246)
        {
            return GatewayVerdict.Refuse("no distributed identity, or longer than 246 bytes");
        }

        return new GatewayVerdict(distributedId, null);
    }

    private string? DistributedIdOf(JsonWebToken token)
    {
        if (userIdField is null)
        {
            return token.Subject;
        }

        // A dot-path into the payload, e.g. "ext.racf".
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
        if (!verdict.Accepted || Encoding.UTF8.GetByteCount(registry) > 255)
        {
            return null;
        }

        var answer = await CallMapperAsync(verdict.DistributedId, registry, cookie: ownKeys.MintCookie(clock.GetUtcNow()));
        if (answer.Status is < 200 or > 299)
        {
            return null;
        }

        var json = answer.Json;
        var userId = json.TryGetProperty("userid", out var u) ? u.GetString() : null;
        return json.TryGetProperty("returnCode", out var rc) && rc.GetInt32() == 0 && !string.IsNullOrEmpty(userId) && userId.Length <= 8 ? userId : null;
    }

    /// <summary>One mapper call, exactly as the gateway sends it (or with a bearer token instead, as a service would).</summary>
    public async Task<MapperAnswer> CallMapperAsync(string? dn, string? registryName, string? cookie = null, string? bearer = null,
        string? rawBody = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(MapperUrl, UriKind.Relative));
        var body = rawBody ?? JsonSerializer.Serialize(new { dn, registry = registryName });
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", "apimlAuthenticationToken=" + cookie);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await idp.SendAsync(request);
        return new MapperAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
