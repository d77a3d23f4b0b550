using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// Gateway cookie JWTs whose signature, issuer and lifetime have been verified, remembered for at most
/// <see cref="MapperOptions.CacheDuration"/>. API ML sends the same cookie (its own token for identityMapperUser) on
/// every mapping call until it expires, and verifying its signature again costs more than the lookup itself.
/// </summary>
/// <remarks>
/// A remembered token is found by the SHA-256 digest of its exact text, so only the very token that was verified
/// matches, and the cache holds no bearer credential. It is accepted only while the gateway key set it was verified
/// against is still the current one (a key refresh starts over) and while it has not expired on IdP's clock.
/// Only tokens that passed verification are remembered, so callers without the gateway's key cannot fill the cache.
/// </remarks>
internal sealed class VerifiedGatewayTokens(IMemoryCache cache, IOptions<MapperOptions> options, TimeProvider time)
{
    public sealed record Verified(string Subject, DateTimeOffset NotBefore, DateTimeOffset Expires, IReadOnlyList<SecurityKey> Keys);

    /// <summary>The cache key of a token: the SHA-256 digest of its exact text, computed once per request.</summary>
    public static Key KeyFor(string token) => new(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token))));

    public Verified? Find(Key key, IReadOnlyList<SecurityKey> currentKeys)
    {
        if (options.Value.CacheDuration <= TimeSpan.Zero || !cache.TryGetValue(key, out Verified? verified) || verified is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        return ReferenceEquals(verified.Keys, currentKeys) && verified.NotBefore <= now && now < verified.Expires ? verified : null;
    }

    public void Remember(Key key, Verified verified)
    {
        var remainingLifetime = verified.Expires - time.GetUtcNow();
        var keep = remainingLifetime < options.Value.CacheDuration ? remainingLifetime : options.Value.CacheDuration;
        if (keep > TimeSpan.Zero)
        {
            cache.Set(key, verified, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = keep, Size = 1 });
        }
    }

    public sealed record Key(string TokenDigest);
}
