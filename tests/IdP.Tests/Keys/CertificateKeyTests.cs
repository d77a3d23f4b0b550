using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdP.Server.Administration;
using IdP.Tests.Clients;
using IdP.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Keys;

/// <summary>Signing keys from PKCS#12 files (<c>Keys:Source = Certificates</c>): one list per key set.</summary>
public sealed class CertificateKeyTests : IDisposable
{
    private const string Password = "pfx-password";

    private readonly string _folder = Directory.CreateTempSubdirectory("idp-cert-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A self-signed certificate with an RSA key of <paramref name="bits"/>, as PKCS#12; returns its path and the key's kid.</summary>
    private (string Path, string Kid) WritePfx(string name, int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        var kid = Base64UrlEncoder.Encode(new RsaSecurityKey(rsa.ExportParameters(false)).ComputeJwkThumbprint());
        return (path, kid);
    }

    private static Dictionary<string, string?> Settings(string general, string gateway) => new()
    {
        ["Keys:Source"] = "Certificates",
        ["Keys:Certificates:0:Path"] = general,
        ["Keys:Certificates:0:Password"] = Password,
        ["Keys:GatewayCertificates:0:Path"] = gateway,
        ["Keys:GatewayCertificates:0:Password"] = Password,
    };

    /// <summary>The same settings as environment variables, for the built binary.</summary>
    private Dictionary<string, string> ProcessEnvironment(string general, string gateway)
    {
        var environment = Settings(general, gateway).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["Server__Issuer"] = "https://idp.example.com/";
        environment["Database__DataDirectory"] = Path.Combine(_folder, "data");
        return environment;
    }

    [Fact]
    public async Task each_sets_certificate_is_published_only_in_its_own_jwks_and_signs_only_its_own_tokens()
    {
        var general = WritePfx("general");
        var gateway = WritePfx("gateway");
        using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), Settings(general.Path, gateway.Path));
        await ServiceClients.AddScopeAsync(idp, "zowe", "zowe-gateway");
        var secret = await idp.CreateClientAsync(new ClientSpec("svc", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["zowe"]));
        var client = new OidcClient(idp.CreateClient(), "svc", secret);

        var generalJwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var gatewayJwks = await TokenVerifier.FetchGatewayJwksAsync(idp.CreateClient());
        var forGateway = (await client.ClientCredentialsAsync("zowe")).EnsureSuccess().AccessToken!;
        var forIdp = (await client.ClientCredentialsAsync()).EnsureSuccess().AccessToken!;

        Assert.Equal([general.Kid], generalJwks.Keys.Select(k => k.Kid));
        Assert.Equal([gateway.Kid], gatewayJwks.Keys.Select(k => k.Kid));
        Assert.Equal(gateway.Kid, (await TokenVerifier.VerifyAsync(gatewayJwks, forGateway, "at+jwt", audience: "zowe-gateway")).Kid);
        Assert.Equal(general.Kid, (await TokenVerifier.VerifyAsync(generalJwks, forIdp, "at+jwt", audience: "idp")).Kid);
        Assert.False(await TokenVerifier.IsSignedByAsync(gatewayJwks, forIdp));
        Assert.Equal(gateway.Kid, new JsonWebToken(forGateway).Kid);
    }

    [Fact]
    public async Task a_gateway_certificate_with_an_rsa_key_under_2048_bits_stops_start_up_with_a_message_naming_the_setting()
    {
        var general = WritePfx("general");
        var small = WritePfx("small", bits: 1024);
        var result = await ServerProcess.RunAsync(ProcessEnvironment(general.Path, small.Path), TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Keys:GatewayCertificates: '{small.Path}' holds an RSA-1024 key; signing keys need at least 2048 bits.", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_same_file_in_both_sets_or_no_gateway_file_stops_start_up()
    {
        var general = WritePfx("general");
        var both = ProcessEnvironment(general.Path, general.Path);
        var none = new Dictionary<string, string>(both);
        none.Remove("Keys__GatewayCertificates__0__Path");
        none.Remove("Keys__GatewayCertificates__0__Password");

        var sameFile = await ServerProcess.RunAsync(both, TimeSpan.FromSeconds(60));
        var noGatewayFile = await ServerProcess.RunAsync(none, TimeSpan.FromSeconds(60));

        Assert.Equal(1, sameFile.ExitCode);
        Assert.Contains("Keys:GatewayCertificates must not name a file of Keys:Certificates", sameFile.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, noGatewayFile.ExitCode);
        Assert.Contains("Keys:GatewayCertificates must name at least one PKCS#12 file", noGatewayFile.StandardError, StringComparison.Ordinal);
    }
}
