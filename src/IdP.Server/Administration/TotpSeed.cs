namespace IdP.Server.Administration;

/// <summary>
/// The seed of a hardware TOTP token as printed on its data sheet: base32 (RFC 4648 §6), often in lower case or in
/// groups separated by spaces. Parsed strictly otherwise, so a mistyped seed is refused rather than imported as a
/// different key that would never produce the token's codes.
/// </summary>
public static class TotpSeed
{
    /// <summary>80 bits: the shortest seeds tokens and authenticator apps in use still carry (16 base32 characters).</summary>
    public const int MinimumBits = 80;

    /// <summary>512 bits: an HMAC-SHA512 block's worth; anything longer is not a TOTP seed but a mistake.</summary>
    public const int MaximumBits = 512;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>The seed's bytes. Error messages never repeat the input: it is a secret.</summary>
    public static byte[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var characters = text.Where(c => c is not (' ' or '\t')).Select(char.ToUpperInvariant).ToArray();
        var length = characters.Length;
        while (length > 0 && characters[length - 1] == '=')
        {
            length--;
        }

        if (length == 0)
        {
            throw new AdministrationException("The seed on standard input is empty.");
        }

        var seed = new byte[length * 5 / 8];
        int buffer = 0, bits = 0, written = 0;
        for (var i = 0; i < length; i++)
        {
            var value = Alphabet.IndexOf(characters[i], StringComparison.Ordinal);
            if (value < 0)
            {
                throw Invalid();
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                seed[written++] = (byte)(buffer >> bits);
                buffer &= (1 << bits) - 1;
            }
        }

        // Five or more bits left means a length base32 cannot have; set bits left over mean a mistyped last character.
        if (bits >= 5 || buffer != 0)
        {
            throw Invalid();
        }

        CheckLength(seed.Length);
        return seed;
    }

    public static void CheckLength(int bytes)
    {
        if (bytes * 8 is < MinimumBits or > MaximumBits)
        {
            throw new AdministrationException($"The seed has {bytes * 8} bits; a TOTP seed must have {MinimumBits} to {MaximumBits} bits.");
        }
    }

    private static AdministrationException Invalid()
        => new("The seed is not valid base32: expected the letters A-Z and digits 2-7 (spaces and lower case are fine).");
}
