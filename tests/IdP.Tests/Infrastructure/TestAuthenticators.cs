using System.Collections.Concurrent;
using IdP.Server.Mfa;
using OtpNet;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// The authenticator apps of the test users: their TOTP seeds (imported by the test, or read from the enrolment
/// page), codes computed at the server's clock, and the recovery codes they were shown.
/// </summary>
public sealed class TestAuthenticators(TestClock clock)
{
    public const int PeriodSeconds = 30;

    private readonly ConcurrentDictionary<string, byte[]> _seeds = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _lastStep = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _recoveryCodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _activationCodes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The activation code the help desk handed the user (from <c>users add</c> or <c>users reset-mfa</c>).</summary>
    public void RememberActivationCode(string userName, string code) => _activationCodes[userName] = code;

    public string ActivationCode(string userName) => _activationCodes[userName];

    public void Register(string userName, byte[] seed) => _seeds[userName] = seed;

    public bool Has(string userName) => _seeds.ContainsKey(userName);

    public byte[] Seed(string userName) => _seeds[userName];

    /// <summary>The code for a step relative to now (0 = current step), without consuming anything.</summary>
    public string CodeAt(string userName, long stepOffset)
        => TotpVerifier.Compute(_seeds[userName], TotpVerifier.StepAt(clock.GetUtcNow(), PeriodSeconds) + stepOffset, 6, PeriodSeconds, "SHA1");

    /// <summary>
    /// A fresh code, as a person would wait for one: if this user already used the current step's code, the clock
    /// moves on to the next step first (IdP rightly refuses a code twice).
    /// </summary>
    public string NextCode(string userName)
    {
        var step = TotpVerifier.StepAt(clock.GetUtcNow(), PeriodSeconds);
        if (_lastStep.TryGetValue(userName, out var last) && step <= last)
        {
            clock.Advance(TimeSpan.FromSeconds(PeriodSeconds * (last - step + 1)));
            step = TotpVerifier.StepAt(clock.GetUtcNow(), PeriodSeconds);
        }

        _lastStep[userName] = step;
        return TotpVerifier.Compute(_seeds[userName], step, 6, PeriodSeconds, "SHA1");
    }

    /// <summary>
    /// Moves the clock to the start of the next time step when less than <paramref name="needed"/> is left in this
    /// one, so a code computed now still belongs to the step the server sees when it checks it.
    /// </summary>
    public void EnsureTimeLeftInStep(TimeSpan needed)
    {
        var intoStep = clock.GetUtcNow().ToUnixTimeMilliseconds() % (PeriodSeconds * 1000);
        var left = TimeSpan.FromMilliseconds(PeriodSeconds * 1000 - intoStep);
        if (left < needed)
        {
            clock.Advance(left + TimeSpan.FromMilliseconds(50));
        }
    }

    public void RememberRecoveryCodes(string userName, IReadOnlyList<string> codes) => _recoveryCodes[userName] = codes;

    public IReadOnlyList<string> RecoveryCodes(string userName) => _recoveryCodes[userName];

    public static byte[] ParseManualKey(string key) => Base32Encoding.ToBytes(key.Replace(" ", "", StringComparison.Ordinal));
}
