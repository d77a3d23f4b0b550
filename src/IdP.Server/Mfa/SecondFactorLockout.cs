using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa;

/// <summary>
/// Brute-force protection for second factors, separate from the password lockout: OTP guessing cannot lock the
/// password, and password guessing cannot lock the second factor. Counters change only through atomic updates,
/// so instances sharing the database count every failure.
/// </summary>
public sealed class SecondFactorLockout(IdpDbContext db, IOptions<MfaOptions> options, TimeProvider time)
{
    /// <summary>Until when the user's second factor is locked, read fresh from the database; null when it is not.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string userId, CancellationToken cancellationToken = default)
    {
        var end = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.SecondFactorLockoutEnd).FirstOrDefaultAsync(cancellationToken);
        return end is { } until && until > time.GetUtcNow() ? until : null;
    }

    /// <summary>Counts a failure; returns the unlock time when this failure locked the factor.</summary>
    public async Task<DateTimeOffset?> RecordFailureAsync(string userId, CancellationToken cancellationToken = default)
    {
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorFailures, u => u.SecondFactorFailures + 1), cancellationToken);

        var until = time.GetUtcNow() + options.Value.LockoutDuration;
        var threshold = options.Value.LockoutThreshold;
        var locked = await db.Users.Where(u => u.Id == userId && u.SecondFactorFailures >= threshold)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.SecondFactorLockoutEnd, until)
                .SetProperty(u => u.SecondFactorFailures, 0), cancellationToken);
        return locked > 0 ? until : null;
    }

    public Task ResetAsync(string userId, CancellationToken cancellationToken = default)
        => db.Users.Where(u => u.Id == userId && (u.SecondFactorFailures != 0 || u.SecondFactorLockoutEnd != null))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.SecondFactorFailures, 0).SetProperty(u => u.SecondFactorLockoutEnd, (DateTimeOffset?)null), cancellationToken);
}
