using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;

namespace IdP.Bench.Suite;

/// <summary>
/// The two costs nothing can beat, measured on the server's core in the same run: one RSA-2048 RS256 signature (the
/// floor of any RS256 token) and one ASP.NET Core Identity password check (PBKDF2-HMAC-SHA512, 100,000 iterations:
/// the floor of a password sign-in).
/// </summary>
public sealed record Floors(double SignaturesPerSecond, double PasswordChecksPerSecond)
{
    public double SignatureMs => 1000 / SignaturesPerSecond;

    public double PasswordCheckMs => 1000 / PasswordChecksPerSecond;

    /// <summary>Runs in a child process pinned to core 0 (<c>IdP.Bench floors</c>), where the servers run.</summary>
    public static Floors Measure(int seconds)
    {
        // A signing input of the size of an access token's header and payload.
        var input = Encoding.ASCII.GetBytes(new string('x', 600));
        using var rsa = RSA.Create(2048);
        var signatures = Repeat(seconds, () => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        // What the login page does: verify against a stored hash (the default options: V3, 100,000 iterations).
        var hasher = new PasswordHasher<object>();
        var user = new object();
        var hash = hasher.HashPassword(user, "Bench-Passw0rd!");
        var checks = Repeat(seconds, () => hasher.VerifyHashedPassword(user, hash, "Bench-Passw0rd!"));
        return new Floors(signatures, checks);
    }

    /// <summary>Operations per second of <paramref name="operation"/> over <paramref name="seconds"/>, after a short warm-up.</summary>
    private static double Repeat<T>(int seconds, Func<T> operation)
    {
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < TimeSpan.FromSeconds(Math.Min(1, seconds)))
        {
            operation();
        }

        var count = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            operation();
            count++;
        }

        return count / clock.Elapsed.TotalSeconds;
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static Floors FromJson(string json) => JsonSerializer.Deserialize<Floors>(json) ?? throw new BenchException("The floors run printed nothing.");
}
