using IdP.Server.Accounts;
using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa;

/// <summary>The outcome of asking to try a second-factor code. <paramref name="LockoutStarted"/>: this request locked the factor.</summary>
public readonly record struct AttemptReservation(bool Granted, DateTimeOffset? LockedUntil, bool LockoutStarted = false);

/// <summary>A locked factor: until when, and whether this request is the one that locked it (and so reports it).</summary>
public readonly record struct FactorLock(DateTimeOffset Until, bool StartedNow);

/// <summary>
/// Brute-force protection for second factors, separate from the password lockout: OTP guessing cannot lock the
/// password, and password guessing cannot lock the second factor.
/// </summary>
/// <remarks>
/// Every attempt is counted <em>before</em> its code is checked, by a conditional increment that succeeds only while
/// the count is under the threshold. So a burst of parallel guesses (HTTP/2, several instances) gets at most the
/// threshold number of checks, never one check per request.
/// </remarks>
public sealed class SecondFactorLockout(IdpDbContext db, IOptions<MfaOptions> options, TimeProvider time)
{
    /// <summary>Until when the user's second factor is locked, read fresh from the database; null when it is not.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string userId, CancellationToken cancellationToken = default)
    {
        var end = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.SecondFactorLockoutEnd).FirstOrDefaultAsync(cancellationToken);
        return InForce(end);
    }

    /// <summary>Until when the factor is locked, as of the account row <paramref name="user"/> was read with in this request.</summary>
    public DateTimeOffset? LockedUntil(IdpUser user) => InForce(user.SecondFactorLockoutEnd);

    private DateTimeOffset? InForce(DateTimeOffset? end) => end is { } until && until > time.GetUtcNow() ? until : null;

    /// <summary>
    /// Counts an attempt about to be made, or refuses it while the factor is locked. <paramref name="user"/> is the
    /// account row read in this request: while it shows no lockout, one conditional increment both re-checks that
    /// (atomically, in its WHERE clause) and counts the attempt; anything else takes the full path.
    /// </summary>
    public async Task<AttemptReservation> ReserveAsync(IdpUser user, CancellationToken cancellationToken = default)
    {
        if (user.SecondFactorLockoutEnd is null && await TryCountAttemptAsync(user.Id, cancellationToken))
        {
            return new AttemptReservation(true, null);
        }

        // Locked, a lockout over, or the threshold reached since the row was read: nothing was counted yet.
        return await ReserveAsync(user.Id, cancellationToken);
    }

    /// <summary>Counts an attempt about to be made, or refuses it while the factor is locked.</summary>
    public async Task<AttemptReservation> ReserveAsync(string userId, CancellationToken cancellationToken = default)
    {
        var end = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.SecondFactorLockoutEnd).FirstOrDefaultAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (end is { } lockedUntil && lockedUntil > now)
        {
            return new AttemptReservation(false, lockedUntil);
        }

        if (end is not null)
        {
            // The lockout is over: start counting afresh (idempotent if several requests notice it together).
            await ResetAsync(userId, cancellationToken);
        }

        if (await TryCountAttemptAsync(userId, cancellationToken))
        {
            return new AttemptReservation(true, null);
        }

        // The threshold was reached by attempts still in flight: lock now, and refuse this one.
        var locked = await LockAsync(userId, cancellationToken);
        return new AttemptReservation(false, locked.Until, locked.StartedNow);
    }

    /// <summary>
    /// The conditional increment that counts an attempt: only while no lockout is set and the count is under the
    /// threshold, both checked in its WHERE clause, so racing requests cannot count past either.
    /// </summary>
    private async Task<bool> TryCountAttemptAsync(string userId, CancellationToken cancellationToken)
    {
        var threshold = options.Value.LockoutThreshold;
        return await db.Users.Where(u => u.Id == userId && u.SecondFactorLockoutEnd == null && u.SecondFactorFailures < threshold)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorFailures, u => u.SecondFactorFailures + 1), cancellationToken) == 1;
    }

    /// <summary>The reserved attempt failed: lock the factor when it was the last one allowed.</summary>
    public async Task<FactorLock?> FailedAsync(string userId, CancellationToken cancellationToken = default)
    {
        var threshold = options.Value.LockoutThreshold;
        var reached = await db.Users.AsNoTracking().AnyAsync(u => u.Id == userId && u.SecondFactorFailures >= threshold, cancellationToken);
        return reached ? await LockAsync(userId, cancellationToken) : null;
    }

    /// <summary>The reserved attempt was not a guess (the user is asked for their next code): it does not count.</summary>
    public Task ReleaseAsync(string userId, CancellationToken cancellationToken = default)
        => db.Users.Where(u => u.Id == userId && u.SecondFactorFailures > 0)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorFailures, u => u.SecondFactorFailures - 1), cancellationToken);

    public Task ResetAsync(string userId, CancellationToken cancellationToken = default)
        => db.Users.Where(u => u.Id == userId && (u.SecondFactorFailures != 0 || u.SecondFactorLockoutEnd != null))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorFailures, 0).SetProperty(u => u.SecondFactorLockoutEnd, (DateTimeOffset?)null), cancellationToken);

    /// <summary>Sets the lockout unless one is already set (the first request to reach the threshold decides its end).</summary>
    private async Task<FactorLock> LockAsync(string userId, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + options.Value.LockoutDuration;
        var started = await db.Users.Where(u => u.Id == userId && u.SecondFactorLockoutEnd == null)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorLockoutEnd, until), cancellationToken) == 1;
        return new FactorLock(await LockedUntilAsync(userId, cancellationToken) ?? until, started);
    }
}
