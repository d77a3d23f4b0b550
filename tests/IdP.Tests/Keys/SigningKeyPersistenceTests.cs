using System.Security.Cryptography;
using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Keys;

/// <summary>Signing keys persist, are stored encrypted, and tokens keep verifying across a restart.</summary>
public sealed class SigningKeyPersistenceTests
{
    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task a_token_issued_before_a_restart_verifies_against_the_jwks_after_it()
    {
        var dataDirectory = NewDataDirectory();
        string token;
        string kid;
        using (var first = IdpFactory.On(dataDirectory, keepData: true))
        {
            var secret = await first.CreateClientAsync(new ClientSpec("svc", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], []));
            token = (await new OidcClient(first.CreateClient(), "svc", secret).ClientCredentialsAsync()).EnsureSuccess().AccessToken!;
            kid = (await TokenVerifier.FetchJwksAsync(first.CreateClient())).Keys.Single().Kid;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var second = IdpFactory.On(dataDirectory);
        var jwks = await TokenVerifier.FetchJwksAsync(second.CreateClient());

        Assert.Equal(kid, jwks.Keys.Single().Kid);
        var verified = await TokenVerifier.VerifyAsync(jwks, token, "at+jwt");
        Assert.Equal(kid, verified.Kid);
    }

    [Fact]
    public async Task each_key_set_has_its_own_private_key_stored_encrypted_with_data_protection()
    {
        using var idp = new IdpFactory();

        var stored = await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().SigningKeys.AsNoTracking().ToListAsync());

        var signing = stored.Where(k => k.Use == "sig").ToList();
        Assert.Equal(["gateway", "general"], signing.Select(k => k.Set).Order(StringComparer.Ordinal));
        Assert.NotEqual(signing[0].Id, signing[1].Id);
        foreach (var key in signing)
        {
            Assert.Equal("RS256", key.Algorithm);
            Assert.Equal(2048, key.KeySize);
            Assert.StartsWith("CfDJ8", key.ProtectedKeyMaterial, StringComparison.Ordinal); // Data Protection's payload header
            using var rsa = RSA.Create();
            Assert.ThrowsAny<Exception>(() => rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(key.ProtectedKeyMaterial), out _));
        }
    }
}
