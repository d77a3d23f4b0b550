using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Infrastructure;

/// <summary>A client's private_key_jwt assertion (RFC 7523 §3) and the public JWKS it registers.</summary>
public static class ClientAssertion
{
    public const string KeyId = "client-key";

    public static string Create(RSA key, string clientId, string audience, DateTime? expires = null)
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
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });

    public static JsonWebKeySet PublicJwks(RSA key, bool includePrivate = false)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.ExportParameters(includePrivate)) { KeyId = KeyId });
        jwk.Use = "sig";
        var jwks = new JsonWebKeySet();
        jwks.Keys.Add(jwk);
        return jwks;
    }

    public static Task<TokenResponse> RequestTokenAsync(HttpClient http, string clientId, string assertion)
        => new OidcClient(http, clientId).PostTokenAsync(
            ("grant_type", OpenIddict.Abstractions.OpenIddictConstants.GrantTypes.ClientCredentials),
            ("client_assertion_type", OpenIddict.Abstractions.OpenIddictConstants.ClientAssertionTypes.JwtBearer),
            ("client_assertion", assertion));
}
