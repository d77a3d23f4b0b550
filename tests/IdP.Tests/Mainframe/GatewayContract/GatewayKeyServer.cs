using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// The gateway's side of its own tokens: the keys it signs <c>apimlAuthenticationToken</c> with, published over real
/// loopback HTTP at <c>/gateway/api/v1/auth/keys/public/all</c> as API ML does, so IdP fetches them like in production.
/// Publishes an RSA key and an EC key (API ML signs with whatever key its keystore holds).
/// </summary>
public sealed class GatewayKeyServer : IAsyncDisposable
{
    public const string JwksPath = "/gateway/api/v1/auth/keys/public/all";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private WebApplication? _app;

    public RsaSecurityKey RsaKey { get; }
    public ECDsaSecurityKey EcKey { get; }

    public GatewayKeyServer()
    {
        RsaKey = new RsaSecurityKey(_rsa) { KeyId = "apiml-rsa-1" };
        EcKey = new ECDsaSecurityKey(_ec) { KeyId = "apiml-ec-1" };
    }

    /// <summary>The absolute JWKS URL, for <c>Mainframe:Mapper:GatewayJwksUrls</c>.</summary>
    public string JwksUrl { get; private set; } = "";

    /// <summary>How many times the JWKS was fetched.</summary>
    public int Fetches => _fetches;

    private int _fetches;

    /// <summary>Whether the JWKS lists the EC key (a gateway that retires a key stops publishing it).</summary>
    public bool PublishesEcKey { get; set; } = true;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet(JwksPath, () =>
        {
            Interlocked.Increment(ref _fetches);
            return Results.Text(Jwks(), "application/json");
        });
        await _app.StartAsync();
        JwksUrl = _app.Urls.Single().TrimEnd('/') + JwksPath;
    }

    private string Jwks()
    {
        var rsa = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = RsaKey.KeyId });
        var ec = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(_ec.ExportParameters(false))) { KeyId = EcKey.KeyId });
        rsa.Use = ec.Use = "sig";
        var keys = new List<object> { new { kty = rsa.Kty, kid = rsa.Kid, use = rsa.Use, n = rsa.N, e = rsa.E } };
        if (PublishesEcKey)
        {
            keys.Add(new { kty = ec.Kty, kid = ec.Kid, use = ec.Use, crv = ec.Crv, x = ec.X, y = ec.Y });
        }

        return System.Text.Json.JsonSerializer.Serialize(new { keys });
    }

    /// <summary>
    /// A JWT as API ML mints for its <c>identityMapperUser</c> and sends as the <c>apimlAuthenticationToken</c> cookie:
    /// <c>iss</c> APIML, <c>sub</c> the mainframe user, <c>dom</c> the security domain, <c>exp</c>.
    /// </summary>
    public string MintCookie(DateTimeOffset now, string subject = "ZWESVUSR", TimeSpan? lifetime = null, SecurityKey? key = null, string issuer = "APIML")
    {
        key ??= RsaKey;
        var algorithm = key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
        var expires = now + (lifetime ?? TimeSpan.FromHours(8));
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["dom"] = "security-domain" },
            IssuedAt = (expires < now ? expires : now).UtcDateTime.AddMinutes(-1),
            NotBefore = null,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
        _ec.Dispose();
    }
}
