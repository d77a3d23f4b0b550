using System.Security.Cryptography;
using System.Text;
using IdP.Server.Accounts;
using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa;

/// <summary>A new activation code, shown once to the administrator who hands it over.</summary>
public sealed record IssuedActivationCode(string Code, DateTimeOffset ExpiresAt);

public enum ActivationOutcome
{
    Accepted,
    Refused,
    LockedOut,
}

/// <summary>
/// Activation codes: the help desk's proof that the person setting up a second factor is the account's owner and not
/// merely someone who knows the password. Asked whenever a factor would be set up by a session that has not proven a
/// second factor: a new or reset account's first enrolment, or an MFA-exempt user's password session. A code is
/// 80 random bits, stored only as its SHA-256 digest, used once, and expires after <see cref="MfaOptions.ActivationLifetime"/>.
/// A wrong code counts against the second-factor lockout.
/// </summary>
public sealed class ActivationCodes(IdpDbContext db, SecondFactorLockout lockout, IOptions<MfaOptions> options, TimeProvider time)
{
    // RFC 4648 base32 without 0, 1, 8 and 9, which read like O, I, B and g: easy to read out over the phone.
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int Length = 16; // 16 × 5 bits = 80 bits

    /// <summary>
    /// Whether setting up a factor in <paramref name="signIn"/> needs the activation code first: unless the code was
    /// given in it, the session has proven a second factor (RFC 8176 <c>mfa</c>), or the user needs none.
    /// </summary>
    public bool IsRequiredFor(PendingSignIn signIn)
        => options.Value.RequireActivation && !signIn.User.ActivationWaived && !signIn.Activated
           && !(signIn.HasFullSession && signIn.Methods.Contains(AuthenticationLevels.Methods.MultiFactor, StringComparer.Ordinal));

    /// <summary>Issues a new code for the user, replacing any outstanding one.</summary>
    public async Task<IssuedActivationCode> IssueAsync(string userId, CancellationToken cancellationToken = default)
    {
        var code = new string(RandomNumberGenerator.GetItems(Alphabet.AsSpan(), Length));
        var expiresAt = time.GetUtcNow() + options.Value.ActivationLifetime;
        var digest = Digest(code);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.ActivationCodeDigest, digest)
            .SetProperty(u => u.ActivationCodeExpiresAt, expiresAt), cancellationToken);
        return new IssuedActivationCode(string.Join('-', code.Chunk(4).Select(group => new string(group))), expiresAt);
    }

    /// <summary>
    /// Checks and uses up a code typed by the user. Every attempt is counted by the second-factor lockout before the
    /// check; the code is consumed by one conditional write, so two requests racing with it get one success.
    /// </summary>
    public async Task<(ActivationOutcome Outcome, DateTimeOffset? LockedUntil)> RedeemAsync(IdpUser user, string? typed, CancellationToken cancellationToken = default)
    {
        var reservation = await lockout.ReserveAsync(user, cancellationToken);
        if (!reservation.Granted)
        {
            return (ActivationOutcome.LockedOut, reservation.LockedUntil);
        }

        var stored = user.ActivationCodeDigest;
        var digest = Digest(Normalize(typed));
        var matches = stored is not null && user.ActivationCodeExpiresAt > time.GetUtcNow()
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(digest), Encoding.ASCII.GetBytes(stored));
        if (matches && await db.Users.Where(u => u.Id == user.Id && u.ActivationCodeDigest == stored)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.ActivationCodeDigest, (string?)null)
                    .SetProperty(u => u.ActivationCodeExpiresAt, (DateTimeOffset?)null), cancellationToken) == 1)
        {
            await lockout.ResetAsync(user.Id, cancellationToken);
            return (ActivationOutcome.Accepted, null);
        }

        var locked = await lockout.FailedAsync(user.Id, cancellationToken);
        return (locked is null ? ActivationOutcome.Refused : ActivationOutcome.LockedOut, locked?.Until);
    }

    /// <summary>Withdraws an outstanding code: a TOTP token was handed over instead.</summary>
    public Task WithdrawAsync(string userId, CancellationToken cancellationToken = default)
        => db.Users.Where(u => u.Id == userId && u.ActivationCodeDigest != null).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.ActivationCodeDigest, (string?)null)
            .SetProperty(u => u.ActivationCodeExpiresAt, (DateTimeOffset?)null), cancellationToken);

    /// <summary>What a person types: the groups' dashes and spaces dropped, any case.</summary>
    private static string Normalize(string? typed)
        => new((typed ?? "").Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant).ToArray());

    private static string Digest(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
