using IdP.Server.Data;
using IdP.Server.Keys;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Keys;

/// <summary>
/// Tokens only IdP reads (authorization codes, refresh tokens) are signed with an HMAC key derived from the token
/// encryption key; tokens others verify (access and ID tokens) with the published RSA key, whose JWKS never lists
/// the HMAC key.
/// </summary>
public sealed class InternalTokenSigningTests
{
    [Fact]
    public async Task codes_and_refresh_tokens_are_signed_with_the_unpublished_hmac_key_and_access_and_id_tokens_with_the_rsa_key()
    {
        // Arrange
        using var idp = new IdpFactory();
        var client = new OidcClient(idp.CreateClient(), "web-app", await idp.AddWebClientAsync());
        await idp.CreateUserAsync("alice", "Correct-Horse-9");

        // Act
        var tokens = await idp.SignInAndRedeemAsync(client, "alice", "Correct-Horse-9");

        // Assert: what clients and the gateway verify is RS256 against the JWKS, which lists RSA keys only.
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        Assert.All(jwks.Keys, key => Assert.Equal("RSA", key.Kty));
        await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt");
        await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT", audience: "web-app");

        // The refresh token and the code's stored payload are encrypted to IdP; inside, HS256 with a kid of their own.
        var ring = idp.Services.GetRequiredService<SigningKeyRing>().Current;
        var expectedKid = Assert.Single(ring.InternalSigning).Key.KeyId;
        var code = await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>()
            .AsNoTracking().SingleAsync(token => token.Type == TokenTypeIdentifiers.Private.AuthorizationCode));
        foreach (var encrypted in new[] { tokens.RefreshToken!, code.Payload! })
        {
            var inner = Decrypt(ring, encrypted);
            Assert.Equal(SecurityAlgorithms.HmacSha256, inner.Alg);
            Assert.Equal(expectedKid, inner.Kid);
            Assert.DoesNotContain(jwks.Keys, key => key.Kid == inner.Kid);
        }

        // And they work: the refresh token is redeemed.
        (await client.RefreshAsync(tokens.RefreshToken!)).EnsureSuccess();
    }

    [Fact]
    public async Task a_refresh_token_issued_before_a_restart_is_redeemed_after_it()
    {
        var dataDirectory = IdpFactory.NewDataDirectory();
        string refreshToken;
        string? secret;
        using (var first = IdpFactory.On(dataDirectory, keepData: true))
        {
            secret = await first.AddWebClientAsync();
            var client = new OidcClient(first.CreateClient(), "web-app", secret);
            await first.CreateUserAsync("alice", "Correct-Horse-9");
            refreshToken = (await first.SignInAndRedeemAsync(client, "alice", "Correct-Horse-9")).RefreshToken!;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var second = IdpFactory.On(dataDirectory);
        var refreshed = await new OidcClient(second.CreateClient(), "web-app", secret).RefreshAsync(refreshToken);

        refreshed.EnsureSuccess();
        Assert.NotNull(refreshed.AccessToken);
    }

    /// <summary>The JWS inside a JWE IdP encrypted to itself, read with the ring's encryption keys.</summary>
    private static JsonWebToken Decrypt(KeyRingSnapshot ring, string jwe)
    {
        var handler = new JsonWebTokenHandler();
        var outer = handler.ReadJsonWebToken(jwe);
        Assert.False(string.IsNullOrEmpty(outer.Enc), "Expected an encrypted token (JWE).");
        var inner = handler.DecryptToken(outer, new TokenValidationParameters { TokenDecryptionKeys = ring.Encryption.Select(c => c.Key) });
        return handler.ReadJsonWebToken(inner);
    }
}
