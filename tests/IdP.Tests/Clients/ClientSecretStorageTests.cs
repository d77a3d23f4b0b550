using System.Buffers.Binary;
using System.Security.Cryptography;
using IdP.Server.Clients;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Clients;

/// <summary>
/// Client secrets are stored as SHA-256 digests (they are 256 random bits), secrets hashed with PBKDF2 by
/// OpenIddict's default manager before the upgrade keep working, and IdP stores no secret a person could have chosen.
/// </summary>
public sealed class ClientSecretStorageTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task a_new_secret_is_stored_as_a_sha256_digest_the_right_secret_is_accepted_and_a_wrong_one_refused()
    {
        // Arrange
        var secret = await ServiceClients.AddAsync(idp, "digest-service");

        // Act
        var right = await ServiceClients.TokenAsync(idp, "digest-service", secret);
        var wrong = await ServiceClients.TokenAsync(idp, "digest-service", ClientSecrets.Generate());
        var truncated = await ServiceClients.TokenAsync(idp, "digest-service", secret[..^1]);

        // Assert
        right.EnsureSuccess();
        Assert.Equal((401, Errors.InvalidClient), (wrong.Status, wrong.Error));
        Assert.Equal((401, Errors.InvalidClient), (truncated.Status, truncated.Error));
        var stored = await ServiceClients.StoredSecretAsync(idp, "digest-service");
        Assert.Equal("sha256:" + Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))), stored);
    }

    [Fact]
    public async Task a_secret_hashed_by_openiddicts_default_manager_still_works_and_is_upgraded_to_a_digest_on_first_use()
    {
        // Arrange: a client as a database from before this change holds it, hashed with PBKDF2 by OpenIddict itself.
        var secret = ClientSecrets.Generate();
        await CreateWithOpenIddictsDefaultManagerAsync("pbkdf2-service", secret);
        var legacy = (await ServiceClients.StoredSecretAsync(idp, "pbkdf2-service"))!;
        Assert.Equal(10_000, Pbkdf2Iterations(legacy));

        // Act
        var first = await ServiceClients.TokenAsync(idp, "pbkdf2-service", secret);
        var upgraded = await ServiceClients.StoredSecretAsync(idp, "pbkdf2-service");
        var second = await ServiceClients.TokenAsync(idp, "pbkdf2-service", secret);
        var wrong = await ServiceClients.TokenAsync(idp, "pbkdf2-service", ClientSecrets.Generate());

        // Assert
        first.EnsureSuccess();
        second.EnsureSuccess();
        Assert.Equal(ClientSecrets.Digest(secret), upgraded);
        Assert.Equal(Errors.InvalidClient, wrong.Error);
    }

    [Fact]
    public async Task a_legacy_secret_that_is_not_256_random_bits_still_works_but_keeps_its_slow_pbkdf2_hash()
    {
        // Arrange: a secret someone typed, registered before IdP generated every secret itself.
        const string typed = "Winter2025-payroll!";
        await CreateWithOpenIddictsDefaultManagerAsync("typed-service", typed);
        var legacy = await ServiceClients.StoredSecretAsync(idp, "typed-service");

        // Act
        var response = await ServiceClients.TokenAsync(idp, "typed-service", typed);

        // Assert: a fast digest of a guessable secret would make a stolen database easy to crack, so none is made.
        response.EnsureSuccess();
        Assert.Equal(legacy, await ServiceClients.StoredSecretAsync(idp, "typed-service"));
    }

    [Theory]
    [InlineData("Winter2025-payroll!")]
    [InlineData("correct horse battery staple correct horse")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef")] // 192 bits of hex
    public async Task idp_refuses_to_store_a_client_secret_that_is_not_at_least_256_random_bits(string humanChosen)
    {
        var clientId = "chosen-" + Guid.NewGuid().ToString("N")[..8];

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => idp.AdministerAsync(async services =>
            await services.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(Descriptor(clientId, humanChosen))));

        Assert.Contains("32 random bytes", refused.Message, StringComparison.Ordinal);
        Assert.Null(await idp.AdministerAsync(services => services.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync(clientId).AsTask()));
    }

    [Fact]
    public void secrets_idp_generates_are_256_bits_of_base64url_and_pass_the_entropy_rule()
    {
        var secret = ClientSecrets.Generate();

        Assert.Equal(43, secret.Length);
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(secret).Length);
        Assert.True(ClientSecrets.IsHighEntropy(secret));
        Assert.True(ClientSecrets.IsHighEntropy(Convert.ToHexString(RandomNumberGenerator.GetBytes(32))));
        Assert.False(ClientSecrets.IsHighEntropy(secret[..42]));
    }

    private Task<OpenIddictEntityFrameworkCoreApplication> CreateWithOpenIddictsDefaultManagerAsync(string clientId, string secret)
        => idp.AdministerAsync(async services =>
        {
            // OpenIddict's own manager, not IdP's: it hashes with PBKDF2 (SHA-256, 10,000 iterations).
            var openIddict = ActivatorUtilities.CreateInstance<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>>(services);
            return await openIddict.CreateAsync(Descriptor(clientId, secret));
        });

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, string secret) => new()
    {
        ClientId = clientId,
        ClientSecret = secret,
        ClientType = ClientTypes.Confidential,
        Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
    };

    /// <summary>OpenIddict's hash format: 0x01, PRF id, iteration count, salt length (big-endian), salt, subkey.</summary>
    private static int Pbkdf2Iterations(string hash)
    {
        var payload = Convert.FromBase64String(hash);
        Assert.Equal(0x01, payload[0]);
        return (int)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(5, 4));
    }
}
