using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace IdP.Server.Mfa;

/// <summary>How a submitted code relates to an authenticator's clock.</summary>
public enum TotpMatch
{
    /// <summary>Matches the current step ±1 (RFC 6238 §5.2), after the learned drift.</summary>
    Accepted,

    /// <summary>Matches only in the wide resynchronisation window: not accepted, the next code is needed.</summary>
    Drifted,

    Invalid,
}

/// <summary>The result of checking a code: the match, and the authenticator time step it belongs to.</summary>
public readonly record struct TotpCheck(TotpMatch Match, long Step);

/// <summary>RFC 6238 code computation and comparison. Pure: no storage, no clock of its own.</summary>
public static class TotpVerifier
{
    public static long StepAt(DateTimeOffset time, int periodSeconds) => time.ToUnixTimeSeconds() / periodSeconds;

    public static string Compute(byte[] secret, long step, int digits, int periodSeconds, string algorithm)
        => new Totp(secret, periodSeconds, ToMode(algorithm), digits)
            .ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * periodSeconds).UtcDateTime);

    /// <summary>
    /// Finds the step a code was generated for: first within ±1 of now (with drift), then within the wide window.
    /// Every candidate is compared in constant time, so timing does not reveal which step was close.
    /// </summary>
    public static TotpCheck Check(byte[] secret, string code, long currentStep, int driftSteps, int resyncWindow, int digits, int periodSeconds, string algorithm)
    {
        if (code.Length != digits || !code.All(char.IsAsciiDigit))
        {
            return new TotpCheck(TotpMatch.Invalid, 0);
        }

        var submitted = Encoding.ASCII.GetBytes(code);
        var totp = new Totp(secret, periodSeconds, ToMode(algorithm), digits);
        var expected = currentStep + driftSteps;
        TotpCheck? found = null;

        for (var offset = -resyncWindow; offset <= resyncWindow; offset++)
        {
            var step = expected + offset;
            var candidate = Encoding.ASCII.GetBytes(totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * periodSeconds).UtcDateTime));
            if (CryptographicOperations.FixedTimeEquals(candidate, submitted))
            {
                var match = Math.Abs(offset) <= 1 ? TotpMatch.Accepted : TotpMatch.Drifted;

                // Prefer the in-window match should a code collide with one far away.
                if (found is null || (match == TotpMatch.Accepted && found.Value.Match != TotpMatch.Accepted))
                {
                    found = new TotpCheck(match, step);
                }
            }
        }

        return found ?? new TotpCheck(TotpMatch.Invalid, 0);
    }

    private static OtpHashMode ToMode(string algorithm) => algorithm switch
    {
        "SHA1" => OtpHashMode.Sha1,
        "SHA256" => OtpHashMode.Sha256,
        "SHA512" => OtpHashMode.Sha512,
        _ => throw new InvalidOperationException($"Unsupported TOTP algorithm '{algorithm}'."),
    };
}
