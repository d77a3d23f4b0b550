using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Keys;

/// <summary>
/// <c>GET /.well-known/gateway-jwks</c>: the gateway set's public keys, and only those (RFC 7517 §5). The mainframe
/// gateway is told to trust this JWKS alone (<c>apiml.security.oidc.jwks.uri</c>), so only what a gateway key signed
/// acts on the mainframe. <c>/.well-known/jwks</c> never lists these keys, and this never lists a general key.
/// </summary>
public static class GatewayJwksEndpoint
{
    public const string Path = "/.well-known/gateway-jwks";

    public static IEndpointRouteBuilder MapIdpGatewayJwks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (SigningKeyRing ring, TimeProvider time, HttpContext context) =>
        {
            var keys = ring.Current.PublishedAt(time.GetUtcNow(), SigningKey.GatewaySet)
                .Select(key => ToPublicJwk(key))
                .ToList();

            // Relying parties cache it themselves (the gateway refreshes hourly); a pre-published key must reach them.
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Json(new { keys });
        }).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The members OpenIddict's JWKS gives an RSA key: kid, use, kty, alg, and the public n and e.</summary>
    private static Dictionary<string, string> ToPublicJwk(PublishedKey key)
    {
        var rsa = (RsaSecurityKey)key.Credentials.Key;
        RSAParameters parameters = rsa.Rsa?.ExportParameters(false) ?? rsa.Parameters;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [JsonWebKeyParameterNames.Kid] = key.Kid,
            [JsonWebKeyParameterNames.Use] = JsonWebKeyUseNames.Sig,
            [JsonWebKeyParameterNames.Kty] = JsonWebAlgorithmsKeyTypes.RSA,
            [JsonWebKeyParameterNames.Alg] = key.Credentials.Algorithm,
            [JsonWebKeyParameterNames.E] = Base64UrlEncoder.Encode(parameters.Exponent),
            [JsonWebKeyParameterNames.N] = Base64UrlEncoder.Encode(parameters.Modulus),
        };
    }
}
