using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdP.Bench.Hosting;

/// <summary>
/// The mainframe gateway's side of scenario (f): an RSA-2048 key published as a JWKS on loopback at API ML's path
/// (<c>Mainframe:Mapper:GatewayJwksUrls</c> points here; IdP fetches it once and caches it), and the
/// <c>apimlAuthenticationToken</c> cookie JWT API ML mints for its identityMapperUser, signed with that key.
/// </summary>
public sealed class GatewayKeyServer : IAsyncDisposable
{
    public const string JwksPath = "/gateway/api/v1/auth/keys/public/all";
    private const string KeyId = "bench-apiml-rs256";

    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _app;

    public string JwksUrl { get; private set; } = "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        var jwks = Jwks();
        _app.MapGet(JwksPath, () => Results.Text(jwks, "application/json"));
        await _app.StartAsync();
        JwksUrl = _app.Urls.Single().TrimEnd('/') + JwksPath;
    }

    private string Jwks()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return JsonSerializer.Serialize(new
        {
            keys = new[]
            {
                new { kty = "RSA", kid = KeyId, use = "sig", alg = "RS256", n = Base64Url.EncodeToString(parameters.Modulus), e = Base64Url.EncodeToString(parameters.Exponent) },
            },
        });
    }

    /// <summary>The cookie value: a JWT with iss APIML, sub ZWESVUSR (API ML's default identityMapperUser), valid for 8 hours.</summary>
    public string MintCookie()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = KeyId }));
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new
        {
            sub = "ZWESVUSR", iss = "APIML", dom = "security-domain", iat = now, exp = now + 8 * 3600,
        }));
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + Base64Url.EncodeToString(signature);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }
}
