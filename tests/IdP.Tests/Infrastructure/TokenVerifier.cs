using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// Verifies tokens the way the mainframe gateway does: keys from the published JWKS only, RSA signatures only,
/// a <c>kid</c> required, and zero clock skew.
/// </summary>
public static class TokenVerifier
{
    public static async Task<JsonWebKeySet> FetchJwksAsync(HttpClient http)
    {
        var discovery = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/.well-known/openid-configuration"));
        var jwksUri = new Uri(discovery.RootElement.GetProperty("jwks_uri").GetString()!);
        return new JsonWebKeySet(await http.GetStringAsync(jwksUri.PathAndQuery));
    }

    /// <summary>The gateway key set, published apart from the JWKS that discovery names.</summary>
    public static async Task<JsonWebKeySet> FetchGatewayJwksAsync(HttpClient http)
        => new(await http.GetStringAsync("/.well-known/gateway-jwks"));

    /// <summary>Whether <paramref name="token"/>'s signature verifies with one of <paramref name="jwks"/>'s keys (nothing else checked).</summary>
    public static async Task<bool> IsSignedByAsync(JsonWebKeySet jwks, string token)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            ValidateTokenReplay = false,
            TryAllIssuerSigningKeys = true,
            RequireSignedTokens = true,
        });
        return result.IsValid;
    }

    public static async Task<JsonWebToken> VerifyAsync(JsonWebKeySet jwks, string token, string expectedType, string? audience = null, string? issuer = null)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer ?? IdpFactory.Issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidTypes = [expectedType],
            ClockSkew = TimeSpan.Zero,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            TryAllIssuerSigningKeys = false,
        };

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            throw new Xunit.Sdk.XunitException($"Token did not verify against the JWKS: {result.Exception?.Message}");
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.False(string.IsNullOrEmpty(jwt.Kid), "The token header must carry a kid.");
        Assert.Equal("RS256", jwt.Alg);
        return jwt;
    }
}
