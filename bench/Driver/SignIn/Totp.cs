using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace IdP.Bench.SignIn;

/// <summary>The user's authenticator: RFC 6238 codes (SHA-1, 6 digits, 30 s: IdP's defaults) from a shared seed.</summary>
public static class Totp
{
    public const int PeriodSeconds = 30;

    public static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / PeriodSeconds;

    /// <summary>RFC 4226 §5.3: HMAC-SHA-1 of the step counter, dynamic truncation, modulo 10^6.</summary>
    public static string Code(byte[] seed, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is RFC 6238's and every authenticator app's default, and IdP's Mfa:TotpAlgorithm.
        HMACSHA1.HashData(seed, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff) % 1_000_000;
        return binary.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>A random 160-bit seed and its base32 form, as a hardware token's data sheet prints it.</summary>
    public static (byte[] Seed, string Base32) NewSeed()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var seed = RandomNumberGenerator.GetBytes(20);
        var text = new System.Text.StringBuilder();
        for (var bit = 0; bit < seed.Length * 8; bit += 5)
        {
            var index = 0;
            for (var k = 0; k < 5; k++)
            {
                var b = bit + k;
                index = (index << 1) | (b < seed.Length * 8 ? (seed[b / 8] >> (7 - b % 8)) & 1 : 0);
            }

            text.Append(alphabet[index]);
        }

        return (seed, text.ToString());
    }
}
