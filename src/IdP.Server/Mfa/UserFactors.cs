using IdP.Server.Accounts;
using IdP.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Mfa;

/// <summary>The second factors a user has.</summary>
public sealed record FactorInventory(IReadOnlyList<TotpAuthenticator> Authenticators, IReadOnlyList<UserPasskeyInfo> Passkeys, int RecoveryCodesLeft)
{
    public int Count => Authenticators.Count + Passkeys.Count;
}

/// <summary>Which kinds of second factor a user has: what the second-step page offers.</summary>
public readonly record struct FactorKinds(bool Authenticator, bool Passkey)
{
    public bool Any => Authenticator || Passkey;
}

/// <summary>Looks up a user's factors, and applies the rule that policy-required MFA keeps at least one.</summary>
public sealed class UserFactors(TotpAuthenticatorService totp, UserManager<IdpUser> users, RecoveryCodeService recoveryCodes, IdpDbContext db)
{
    public async Task<FactorInventory> GetAsync(IdpUser user)
        => new(await totp.ListAsync(user.Id), [.. await users.GetPasskeysAsync(user)], await recoveryCodes.RemainingAsync(user.Id));

    /// <summary>
    /// Whether the user has a confirmed authenticator and a passkey, in one query: every sign-in's second step asks
    /// this, and needs neither the factors themselves nor the recovery codes left.
    /// </summary>
    public async Task<FactorKinds> GetKindsAsync(IdpUser user, CancellationToken cancellationToken = default)
    {
        var userId = user.Id;
        var kinds = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                Authenticator = db.TotpAuthenticators.Any(t => t.UserId == userId && t.ConfirmedAt != null),
                Passkey = db.UserPasskeys.Any(p => p.UserId == userId),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return kinds is null ? default : new FactorKinds(kinds.Authenticator, kinds.Passkey);
    }

    /// <summary>Removing a factor is refused when it is the last one and the policy requires MFA for this user.</summary>
    public static bool CanRemoveOne(IdpUser user, FactorInventory factors) => user.MfaExempt || factors.Count > 1;
}
