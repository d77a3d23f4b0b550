using System.Security.Claims;
using System.Security.Cryptography;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// Writes a client's access token (RFC 9068) the way OpenIddict writes it for the same principal: the same header
/// (<c>alg</c>, <c>kid</c>, <c>typ: at+jwt</c>), the same claims, the key the ring says signs now. Used by
/// <see cref="ClientCredentialsFastPath"/>; a test compares its tokens with OpenIddict's claim by claim.
/// </summary>
internal sealed class AccessTokenWriter(SigningKeyRing keys, IOptionsMonitor<OpenIddictServerOptions> server)
{
    // As OpenIddict's: no nbf, and iat and exp exactly as given.
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>False (write nothing) for anything outside the simple case: no issuer, no lifetime, no signing key,
    /// or a claim that is not a plain string.</summary>
    public bool TryWrite(ClaimsPrincipal principal, string clientId, out string token, out TimeSpan lifetime)
    {
        token = "";
        lifetime = default;
        var options = server.CurrentValue;
        var now = options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
        if (options.Issuer is not { } issuer || options.AccessTokenLifetime is not { } configured
            || keys.Current.SigningAt(now) is not { } signing)
        {
            return false;
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var claim in principal.Claims)
        {
            // OpenIddict's own (oi_scp, oi_rsrc, destinations) become scope and aud below, or stay out.
            if (claim.Type.StartsWith("oi_", StringComparison.Ordinal))
            {
                continue;
            }

            if (claim.ValueType != ClaimValueTypes.String || !claims.TryAdd(claim.Type, claim.Value))
            {
                return false;
            }
        }

        // RFC 9068 §2.2: aud (the resources behind the scopes), client_id and jti; scope as one space-separated string.
        var audiences = principal.GetResources();
        claims[Claims.Audience] = audiences.Length == 1 ? audiences[0] : audiences.ToArray();
        if (principal.GetScopes() is { Length: > 0 } scopes)
        {
            claims[Claims.Scope] = string.Join(' ', scopes);
        }

        claims[Claims.JwtId] = NewTokenId();
        claims[Claims.Private.Presenter] = clientId;
        claims[Claims.ClientId] = clientId;

        token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = issuer.AbsoluteUri,
            IssuedAt = now.UtcDateTime,
            Expires = (now + configured).UtcDateTime,
            SigningCredentials = signing,
            TokenType = JsonWebTokenTypes.AccessToken,
        });
        lifetime = configured;
        return true;
    }

    /// <summary>
    /// 122 random bits in a GUID's shape, like OpenIddict's token IDs, from OpenSSL's generator: Guid.NewGuid reads
    /// the kernel's, one system call per token.
    /// </summary>
    private static string NewTokenId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (RFC 9562 §5.4), in Guid's little-endian layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant
        return new Guid(bytes).ToString();
    }
}
