using System.Security.Cryptography;
using IdP.Server.Accounts;
using IdP.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;

namespace IdP.Server.Mfa;

public enum SecondFactorOutcome
{
    Success,

    /// <summary>The code matched only in the resynchronisation window: ask for the next code.</summary>
    NeedsNextCode,

    Invalid,

    /// <summary>The code was right but already used (or older than one already used).</summary>
    Replayed,

    LockedOut,
}

/// <summary>How a second-factor attempt ended. <paramref name="LockoutStarted"/>: this attempt locked the factor.</summary>
public readonly record struct SecondFactorResult(SecondFactorOutcome Outcome, DateTimeOffset? LockedUntil = null, bool LockoutStarted = false)
{
    public bool Succeeded => Outcome == SecondFactorOutcome.Success;
}

/// <summary>A TOTP enrolment in progress: what the enrolment page shows.</summary>
public sealed record TotpEnrolment(string AuthenticatorId, string ManualKey, string OtpAuthUri);

/// <summary>
/// TOTP authenticators: enrolment, administrator import, and verification at sign-in. The guard against code
/// reuse is a conditional write in the database, never a memory cache, so it holds across instances.
/// </summary>
public sealed class TotpAuthenticatorService(
    IdpDbContext db,
    IDataProtectionProvider dataProtection,
    SecondFactorLockout lockout,
    IOptions<MfaOptions> options,
    TimeProvider time)
{
    private const string ProtectorPurpose = "IdP.Mfa.TotpSecret.v1";

    public Task<bool> HasConfirmedAsync(string userId, CancellationToken cancellationToken = default)
        => db.TotpAuthenticators.AnyAsync(t => t.UserId == userId && t.ConfirmedAt != null, cancellationToken);

    /// <summary>The confirmed authenticators, oldest first (sorted in memory: a user has a handful, and SQLite cannot order by DateTimeOffset).</summary>
    public async Task<List<TotpAuthenticator>> ListAsync(string userId, CancellationToken cancellationToken = default)
        => [.. (await db.TotpAuthenticators.AsNoTracking().Where(t => t.UserId == userId && t.ConfirmedAt != null).ToListAsync(cancellationToken))
            .OrderBy(t => t.CreatedAt)];

    /// <summary>Starts enrolment with a fresh 160-bit secret (RFC 4226 §4 recommends 160 bits); replaces an unconfirmed one.</summary>
    public async Task<TotpEnrolment> BeginEnrolmentAsync(IdpUser user, CancellationToken cancellationToken = default)
    {
        await db.TotpAuthenticators.Where(t => t.UserId == user.Id && t.ConfirmedAt == null).ExecuteDeleteAsync(cancellationToken);

        var secret = RandomNumberGenerator.GetBytes(20);
        var authenticator = NewAuthenticator(user, secret, confirmed: false);
        db.TotpAuthenticators.Add(authenticator);
        await db.SaveChangesAsync(cancellationToken);

        var key = Base32Encoding.ToString(secret);
        return new TotpEnrolment(authenticator.Id, key, OtpAuthUri(user, key, authenticator));
    }

    /// <summary>The pending enrolment again (to redisplay the QR code after a wrong confirmation code).</summary>
    public async Task<TotpEnrolment?> GetEnrolmentAsync(IdpUser user, string authenticatorId, CancellationToken cancellationToken = default)
    {
        var pending = await db.TotpAuthenticators.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == authenticatorId && t.UserId == user.Id && t.ConfirmedAt == null, cancellationToken);
        if (pending is null)
        {
            return null;
        }

        var key = Base32Encoding.ToString(Convert.FromBase64String(dataProtection.CreateProtector(ProtectorPurpose).Unprotect(pending.ProtectedSecret)));
        return new TotpEnrolment(pending.Id, key, OtpAuthUri(user, key, pending));
    }

    /// <summary>Activates a pending authenticator once the user proves it works with a current code.</summary>
    public async Task<bool> ConfirmEnrolmentAsync(IdpUser user, string authenticatorId, string code, CancellationToken cancellationToken = default)
    {
        var pending = await db.TotpAuthenticators.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == authenticatorId && t.UserId == user.Id && t.ConfirmedAt == null, cancellationToken);
        if (pending is null)
        {
            return false;
        }

        var check = Check(pending, code.Trim(), wideWindow: false);
        if (check.Match != TotpMatch.Accepted)
        {
            return false;
        }

        var now = time.GetUtcNow();
        return await db.TotpAuthenticators
            .Where(t => t.Id == pending.Id && t.ConfirmedAt == null && t.LastAcceptedStep < check.Step)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.ConfirmedAt, now).SetProperty(t => t.LastAcceptedStep, check.Step), cancellationToken) == 1;
    }

    /// <summary>Imports the seed of a hardware TOTP token (administrator action); active at once.</summary>
    public async Task<TotpAuthenticator> ImportAsync(IdpUser user, byte[] secret, string label, CancellationToken cancellationToken = default)
    {
        var authenticator = NewAuthenticator(user, secret, confirmed: true);
        authenticator.Label = label;
        db.TotpAuthenticators.Add(authenticator);
        await db.SaveChangesAsync(cancellationToken);
        return authenticator;
    }

    public Task<int> RemoveAsync(string userId, string? authenticatorId = null, CancellationToken cancellationToken = default)
        => db.TotpAuthenticators.Where(t => t.UserId == userId && (authenticatorId == null || t.Id == authenticatorId)).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Checks a sign-in code against every confirmed authenticator of the user.</summary>
    public async Task<SecondFactorResult> VerifyAsync(IdpUser user, string code, CancellationToken cancellationToken = default)
    {
        // Counted before the check, so parallel guesses cannot outrun the lockout.
        var reservation = await lockout.ReserveAsync(user, cancellationToken);
        if (!reservation.Granted)
        {
            return new SecondFactorResult(SecondFactorOutcome.LockedOut, reservation.LockedUntil, reservation.LockoutStarted);
        }

        code = code.Trim().Replace(" ", "", StringComparison.Ordinal);
        var replayed = false;
        foreach (var authenticator in await db.TotpAuthenticators.AsNoTracking()
                     .Where(t => t.UserId == user.Id && t.ConfirmedAt != null).ToListAsync(cancellationToken))
        {
            var check = Check(authenticator, code, wideWindow: true);
            switch (check.Match)
            {
                case TotpMatch.Accepted:
                    // RFC 6238 §5.2: accept a step at most once. Only one of several racing requests can move it.
                    if (await AdvanceAsync(authenticator.Id, check.Step, newDrift: null, cancellationToken))
                    {
                        await lockout.ResetAsync(user.Id, cancellationToken);
                        return new SecondFactorResult(SecondFactorOutcome.Success);
                    }

                    replayed = true;
                    break;

                case TotpMatch.Drifted when authenticator.PendingResyncStep == check.Step - 1:
                    // Two consecutive codes: the authenticator's clock is off by a stable amount; learn it.
                    var drift = (int)(check.Step - TotpVerifier.StepAt(time.GetUtcNow(), authenticator.PeriodSeconds));
                    if (await AdvanceAsync(authenticator.Id, check.Step, drift, cancellationToken))
                    {
                        await lockout.ResetAsync(user.Id, cancellationToken);
                        return new SecondFactorResult(SecondFactorOutcome.Success);
                    }

                    replayed = true;
                    break;

                case TotpMatch.Drifted:
                    // Note: a far-off match is never accepted alone; remember it and ask for the next code.
                    var remembered = await db.TotpAuthenticators
                        .Where(t => t.Id == authenticator.Id && t.LastAcceptedStep < check.Step)
                        .ExecuteUpdateAsync(set => set.SetProperty(t => t.PendingResyncStep, check.Step), cancellationToken);
                    if (remembered == 1)
                    {
                        // A genuine code from a drifting clock is not a guess.
                        await lockout.ReleaseAsync(user.Id, cancellationToken);
                        return new SecondFactorResult(SecondFactorOutcome.NeedsNextCode);
                    }

                    replayed = true;
                    break;
            }
        }

        var lockedNow = await lockout.FailedAsync(user.Id, cancellationToken);
        return lockedNow is { } locked
            ? new SecondFactorResult(SecondFactorOutcome.LockedOut, locked.Until, locked.StartedNow)
            : new SecondFactorResult(replayed ? SecondFactorOutcome.Replayed : SecondFactorOutcome.Invalid);
    }

    /// <summary>The conditional write: succeeds only if no code for this step or a later one was accepted before.</summary>
    private async Task<bool> AdvanceAsync(string authenticatorId, long step, int? newDrift, CancellationToken cancellationToken)
    {
        var query = db.TotpAuthenticators.Where(t => t.Id == authenticatorId && t.LastAcceptedStep < step);
        var updated = newDrift is { } drift
            ? await query.ExecuteUpdateAsync(set => set
                .SetProperty(t => t.LastAcceptedStep, step)
                .SetProperty(t => t.DriftSteps, drift)
                .SetProperty(t => t.PendingResyncStep, (long?)null), cancellationToken)
            : await query.ExecuteUpdateAsync(set => set
                .SetProperty(t => t.LastAcceptedStep, step)
                .SetProperty(t => t.PendingResyncStep, (long?)null), cancellationToken);
        return updated == 1;
    }

    private TotpCheck Check(TotpAuthenticator authenticator, string code, bool wideWindow)
    {
        var secret = Convert.FromBase64String(dataProtection.CreateProtector(ProtectorPurpose).Unprotect(authenticator.ProtectedSecret));
        try
        {
            return TotpVerifier.Check(secret, code, TotpVerifier.StepAt(time.GetUtcNow(), authenticator.PeriodSeconds),
                authenticator.DriftSteps, wideWindow ? options.Value.TotpResyncWindowSteps : 1,
                authenticator.Digits, authenticator.PeriodSeconds, authenticator.Algorithm);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>An authenticator with this deployment's RFC 6238 parameters and the seed protected.</summary>
    private TotpAuthenticator NewAuthenticator(IdpUser user, byte[] secret, bool confirmed)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        return new TotpAuthenticator
        {
            UserId = user.Id,
            ProtectedSecret = Protect(secret),
            Digits = settings.TotpDigits,
            PeriodSeconds = settings.TotpPeriodSeconds,
            Algorithm = settings.TotpAlgorithm,
            CreatedAt = now,
            ConfirmedAt = confirmed ? now : null,
        };
    }

    private string Protect(byte[] secret) => dataProtection.CreateProtector(ProtectorPurpose).Protect(Convert.ToBase64String(secret));

    /// <summary>The Key Uri Format authenticator apps scan: otpauth://totp/Issuer:account?secret=…&amp;issuer=…</summary>
    private string OtpAuthUri(IdpUser user, string base32Secret, TotpAuthenticator authenticator)
    {
        var issuer = Uri.EscapeDataString(options.Value.TotpIssuer);
        var account = Uri.EscapeDataString(user.Email ?? user.UserName!);
        return $"otpauth://totp/{issuer}:{account}?secret={base32Secret}&issuer={issuer}&algorithm={authenticator.Algorithm}" +
               $"&digits={authenticator.Digits}&period={authenticator.PeriodSeconds}";
    }
}
