using System.Security.Cryptography;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>A service authenticates with a signed JWT instead of a shared secret (RFC 7523 §2.2, OIDC Core §9).</summary>
public sealed class PrivateKeyJwtTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private static string Assertion(RSA key, string clientId, string audience, DateTime? expires = null)
        => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            // draft-ietf-oauth-rfc7523bis: client assertions are explicitly typed, so no other JWT can pass as one.
            TokenType = "client-authentication+jwt",
            Issuer = clientId,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = clientId, ["jti"] = Guid.NewGuid().ToString() },
            IssuedAt = (expires ?? DateTime.UtcNow).AddMinutes(-2),
            NotBefore = (expires ?? DateTime.UtcNow).AddMinutes(-3),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(2),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "client-key" }, SecurityAlgorithms.RsaSha256),
        });

    private static Task<TokenResponse> RequestAsync(HttpClient http, string clientId, string assertion)
        => new OidcClient(http, clientId).PostTokenAsync(
            ("grant_type", GrantTypes.ClientCredentials),
            ("client_assertion_type", ClientAssertionTypes.JwtBearer),
            ("client_assertion", assertion));

    private async Task<RSA> RegisterAsync(string clientId)
    {
        var key = RSA.Create(2048);
        var jwks = new JsonWebKeySet();
        var publicJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.ExportParameters(false)) { KeyId = "client-key" });
        publicJwk.Use = "sig";
        jwks.Keys.Add(publicJwk);
        var secret = await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], [], JsonWebKeySet: jwks));
        Assert.Null(secret);
        return key;
    }

    [Fact]
    public async Task a_service_with_a_registered_public_key_gets_a_token_with_a_signed_assertion()
    {
        using var key = await RegisterAsync("signed-service");

        var response = await RequestAsync(idp.CreateClient(), "signed-service", Assertion(key, "signed-service", IdpFactory.Issuer));

        response.EnsureSuccess();
        var token = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()), response.AccessToken!, "at+jwt");
        Assert.Equal("signed-service", token.Subject);
    }

    [Fact]
    public async Task an_assertion_signed_with_another_key_or_expired_is_refused()
    {
        using var key = await RegisterAsync("careful-service");
        using var otherKey = RSA.Create(2048);

        var forged = await RequestAsync(idp.CreateClient(), "careful-service", Assertion(otherKey, "careful-service", IdpFactory.Issuer));
        Assert.Equal(Errors.InvalidClient, forged.Error);

        // Note: assertions get the usual few minutes of clock-skew tolerance (RFC 7523 §3 allows a small leeway).
        var expired = await RequestAsync(idp.CreateClient(), "careful-service",
            Assertion(key, "careful-service", IdpFactory.Issuer, expires: DateTime.UtcNow.AddMinutes(-10)));
        Assert.Equal(Errors.InvalidClient, expired.Error);
    }
}
