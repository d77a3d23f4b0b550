using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// The gateway's side of its own tokens, as API ML v3 does it (zaas-service <c>AuthController</c>, <c>JwtSecurity</c>,
/// <c>AuthenticationService.createJwtToken</c>), served over real loopback HTTP so IdP fetches it as in production:
/// <list type="bullet">
/// <item><c>/gateway/api/v1/auth/keys/public/all</c> lists API ML's RSA key with no <c>kid</c>, <c>use</c> or
/// <c>alg</c>, beside other keys: a z/OSMF-like RSA key that names its <c>alg</c>, an EC key, and the OIDC provider's
/// whole key set, which is IdP's own (<see cref="OidcProviderJwks"/>).</item>
/// <item>The cookie JWT is minted afresh for every mapper call: header <c>{"alg":"RS256"}</c> only; claims <c>sub</c>,
/// <c>iat</c>, <c>exp</c> (8 hours), <c>iss</c> APIML, a random <c>jti</c>, <c>dom</c>.</item>
/// </list>
/// </summary>
public sealed class GatewayKeyServer : IAsyncDisposable
{
    public const string JwksPath = "/gateway/api/v1/auth/keys/public/all";

    /// <summary>The kid and alg of the z/OSMF-like key: a JWK that names its algorithm.</summary>
    public const string ZosmfKid = "zosmf-rs384";

    private RSA _apiml = RSA.Create(2048);
    private readonly RSA _zosmf = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<RSA> _retired = [];
    private WebApplication? _app;
    private int _fetches;

    /// <summary>The absolute JWKS URL, for <c>Mainframe:Mapper:GatewayJwksUrls</c>.</summary>
    public string JwksUrl { get; private set; } = "";

    /// <summary>How many times the JWKS was fetched.</summary>
    public int Fetches => _fetches;

    /// <summary>API ML's signing key (the keystore's <c>server.ssl.keyAlias</c>).</summary>
    public SecurityKey ApimlKey { get; private set; }

    public SecurityKey ZosmfKey => new RsaSecurityKey(_zosmf) { KeyId = ZosmfKid };

    public SecurityKey EcKey => new ECDsaSecurityKey(_ec) { KeyId = "provider-ec" };

    /// <summary>The OIDC provider's JWKS, which API ML adds to its own (<c>keys.addAll(oidcSet.getKeys())</c>).</summary>
    public Func<Task<string>>? OidcProviderJwks { get; set; }

    public GatewayKeyServer() => ApimlKey = new RsaSecurityKey(_apiml);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet(JwksPath, async () =>
        {
            Interlocked.Increment(ref _fetches);
            return Results.Text(await JwksAsync(), "application/json");
        });
        await _app.StartAsync();
        JwksUrl = _app.Urls.Single().TrimEnd('/') + JwksPath;
    }

    /// <summary>A new keystore key, as after the gateway's certificate was renewed: the old key is no longer published.</summary>
    public SecurityKey RotateApimlKey()
    {
        var old = ApimlKey;
        _retired.Add(_apiml);
        _apiml = RSA.Create(2048);
        ApimlKey = new RsaSecurityKey(_apiml);
        return old;
    }

    private async Task<string> JwksAsync()
    {
        var keys = new List<object>
        {
            RsaJwk(_apiml, extra: []), // JwtSecurity.getJwkPublicKey: n and e only
            RsaJwk(_zosmf, extra: [("kid", ZosmfKid), ("use", "sig"), ("alg", "RS384")]),
        };
        var ec = _ec.ExportParameters(false);
        keys.Add(new Dictionary<string, string>
        {
            ["kty"] = "EC", ["kid"] = "provider-ec", ["crv"] = "P-256", ["x"] = Base64UrlEncoder.Encode(ec.Q.X), ["y"] = Base64UrlEncoder.Encode(ec.Q.Y),
        });
        if (OidcProviderJwks is { } provider)
        {
            using var set = JsonDocument.Parse(await provider());
            keys.AddRange(set.RootElement.GetProperty("keys").EnumerateArray().Select(k => (object)k.Clone()));
        }

        return JsonSerializer.Serialize(new { keys });
    }

    private static Dictionary<string, string> RsaJwk(RSA rsa, (string Name, string Value)[] extra)
    {
        var parameters = rsa.ExportParameters(false);
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = "RSA", ["e"] = Base64UrlEncoder.Encode(parameters.Exponent), ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
        };
        foreach (var (name, value) in extra)
        {
            jwk[name] = value;
        }

        return jwk;
    }

    /// <summary>
    /// A cookie JWT as API ML mints one for its <c>identityMapperUser</c> on each mapper call. The header carries only
    /// <c>alg</c>; tests may add header parameters or replace claims to build what API ML never sends.
    /// </summary>
    public string MintCookie(DateTimeOffset now, string subject = "ZWESVUSR", TimeSpan? lifetime = null, SecurityKey? key = null,
        string issuer = "APIML", string algorithm = SecurityAlgorithms.RsaSha256, IDictionary<string, object>? header = null,
        IDictionary<string, object?>? claims = null)
    {
        var payload = new Dictionary<string, object?>
        {
            ["sub"] = subject,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromHours(8))).ToUnixTimeSeconds(),
            ["iss"] = issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["dom"] = "security-domain",
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object?>())
        {
            if (value is null)
            {
                payload.Remove(name);
            }
            else
            {
                payload[name] = value;
            }
        }

        var headerValues = new Dictionary<string, object> { ["alg"] = algorithm };
        foreach (var (name, value) in header ?? new Dictionary<string, object>())
        {
            headerValues[name] = value;
        }

        var signingInput = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(headerValues)) + "."
                           + Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signer = CryptoProviderFactory.Default.CreateForSigning(key ?? ApimlKey, algorithm);
        try
        {
            return signingInput + "." + Base64UrlEncoder.Encode(signer.Sign(Encoding.ASCII.GetBytes(signingInput)));
        }
        finally
        {
            CryptoProviderFactory.Default.ReleaseSignatureProvider(signer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _apiml.Dispose();
        _zosmf.Dispose();
        _ec.Dispose();
        _retired.ForEach(r => r.Dispose());
    }
}
