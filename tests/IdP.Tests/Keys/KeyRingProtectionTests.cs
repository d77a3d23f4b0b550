using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Keys;

/// <summary>With <c>DataProtection:Certificate</c>, the key ring in the database is encrypted to a key kept outside it.</summary>
public sealed class KeyRingProtectionTests
{
    [Fact]
    public async Task the_key_ring_is_stored_encrypted_and_a_restart_with_the_certificate_reads_seeds_and_keys_but_one_without_cannot()
    {
        // Arrange: a certificate file, as an operator would provision it.
        var dataDirectory = IdpFactory.NewDataDirectory();
        Directory.CreateDirectory(dataDirectory);
        var pfx = Path.Combine(dataDirectory, "keyring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=IdP key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "keyring-pass"));
        }

        var protectedSettings = new Dictionary<string, string?>
        {
            ["DataProtection:Certificate:Path"] = pfx,
            ["DataProtection:Certificate:Password"] = "keyring-pass",
        };

        string kid;
        byte[] seed;
        using (var first = IdpFactory.On(dataDirectory, protectedSettings, keepData: true))
        {
            await first.CreateUserAsync("keeper", "Key-Ring-Pass-1");
            seed = first.Authenticators.Seed("keeper");
            kid = (await TokenVerifier.FetchJwksAsync(first.CreateClient())).Keys.Single().Kid;

            // Assert: no key in the database is stored in clear.
            var keyXml = await first.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync());
            Assert.NotEmpty(keyXml);
            Assert.All(keyXml, xml =>
            {
                Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal);
            });
        }

        // Act + Assert: restarted with the certificate, the TOTP seed and the signing key are readable.
        using (var second = IdpFactory.On(dataDirectory, protectedSettings, keepData: true))
        {
            second.Authenticators.Register("keeper", seed);
            var secret = await second.CreateClientAsync(new ClientSpec("ring-app", ClientKind.Confidential,
                [GrantTypes.AuthorizationCode], [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId]));
            var client = new OidcClient(second.CreateClient(), "ring-app", secret);
            await second.SignInAndRedeemAsync(client, "keeper", "Key-Ring-Pass-1", "openid");
            Assert.Equal(kid, (await TokenVerifier.FetchJwksAsync(second.CreateClient())).Keys.Single().Kid);
        }

        // Without the certificate (a stolen database), the stored keys cannot be decrypted: the real server refuses to
        // start, saying why, without a stack trace.
        var environment = TestDatabase.SettingsFor(dataDirectory).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");
        environment["Server__Issuer"] = "https://idp.example.com/";
        var thief = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));
        Assert.Equal(1, thief.ExitCode);
        Assert.Contains("cannot be decrypted", thief.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", thief.StandardError, StringComparison.Ordinal);
        TestDatabase.Drop(dataDirectory);
    }
}
