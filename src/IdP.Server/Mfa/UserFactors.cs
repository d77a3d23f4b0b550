using IdP.Server.Accounts;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa;

/// <summary>The second factors a user has.</summary>
public sealed record FactorInventory(IReadOnlyList<TotpAuthenticator> Authenticators, IReadOnlyList<UserPasskeyInfo> Passkeys, int RecoveryCodesLeft)
{
    public int Count => Authenticators.Count + Passkeys.Count;
}

/// <summary>Looks up a user's factors, and applies the rule that policy-required MFA keeps at least one.</summary>
public sealed class UserFactors(TotpAuthenticatorService totp, UserManager<IdpUser> users, RecoveryCodeService recoveryCodes)
{
    public async Task<FactorInventory> GetAsync(IdpUser user)
        => new(await totp.ListAsync(user.Id), [.. await users.GetPasskeysAsync(user)], await recoveryCodes.RemainingAsync(user.Id));

    /// <summary>Removing a factor is refused when it is the last one and the policy requires MFA for this user.</summary>
    public static bool CanRemoveOne(IdpUser user, FactorInventory factors) => user.MfaExempt || factors.Count > 1;
}
