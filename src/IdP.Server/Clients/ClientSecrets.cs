using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace IdP.Server.Clients;

/// <summary>
/// Client secrets: how IdP makes them, how it stores them, and which ones it agrees to store. See
/// docs/client-authentication.md for why a plain SHA-256 digest is enough here.
/// </summary>
public static class ClientSecrets
{
    /// <summary>The stored form is <c>sha256:</c> + base64(SHA-256(UTF-8 secret)). The prefix names the format, so
    /// OpenIddict's PBKDF2 hashes (base64 of a payload starting with 0x01, never containing a colon) stay recognisable.</summary>
    public const string DigestPrefix = "sha256:";

    /// <summary>256 bits: what <see cref="Generate"/> draws, and the least a stored secret must encode.</summary>
    public const int MinimumBytes = 32;

    /// <summary>A new secret: 256 random bits, base64url without padding (43 characters).</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(MinimumBytes));

    public static string Digest(string secret) => DigestPrefix + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool IsDigest(string? stored) => stored is not null && stored.StartsWith(DigestPrefix, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="secret"/> is the secret behind the stored digest, in constant time.</summary>
    public static bool MatchesDigest(string secret, string stored)
    {
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        if (!IsDigest(stored) || !Convert.TryFromBase64String(stored[DigestPrefix.Length..], expected, out var written)
            || written != SHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// Whether a secret has the shape of at least 256 random bits: base64url (or base64) of at least 32 bytes, or
    /// at least 64 hexadecimal digits. A fast digest is safe only for such secrets.
    /// </summary>
    /// <remarks>
    /// Note: a shape cannot prove randomness ("AAAA…" passes). It keeps out passwords and passphrases, which is what
    /// matters: every secret IdP stores is one it generated itself (<see cref="Generate"/>).
    /// </remarks>
    public static bool IsHighEntropy(string secret)
    {
        // Hex digits are base64 characters too, but carry 4 bits each, not 6.
        if (secret.All(char.IsAsciiHexDigit))
        {
            return secret.Length >= 2 * MinimumBytes;
        }

        var unpadded = secret.TrimEnd('=');
        return unpadded.Length >= (MinimumBytes * 8 + 5) / 6 // 43 characters carry 256 bits
               && unpadded.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '+' or '/');
    }
}
