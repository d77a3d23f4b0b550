using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Accounts;

/// <summary>
/// An IdP account. Its <see cref="IdentityUser.Id"/> (a random GUID) is the OIDC <c>sub</c>: stable, never
/// reused, and unlike a user name or e-mail address it never changes.
/// </summary>
public sealed class IdpUser : IdentityUser
{
    /// <summary>A disabled account cannot sign in and its refresh tokens stop working.</summary>
    public bool IsDisabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Failed second-factor attempts since the last success. Kept apart from Identity's password counter
    /// (<see cref="IdentityUser.AccessFailedCount"/>): guessing one factor never locks the other.
    /// </summary>
    public int SecondFactorFailures { get; set; }

    /// <summary>Until when second-factor sign-in is locked after too many failures.</summary>
    public DateTimeOffset? SecondFactorLockoutEnd { get; set; }

    /// <summary>Exempt from the MFA policy: set only by an administrator, and audited.</summary>
    public bool MfaExempt { get; set; }

    /// <summary>
    /// This user sets up a second factor without an activation code (the demo user only). Everyone else needs the code
    /// the help desk gave them whenever their session has not proven a second factor (<c>Mfa:RequireActivation</c>).
    /// </summary>
    public bool ActivationWaived { get; set; }

    /// <summary>The SHA-256 digest of the outstanding activation code (never the code), or null when none is outstanding.</summary>
    public string? ActivationCodeDigest { get; set; }

    public DateTimeOffset? ActivationCodeExpiresAt { get; set; }
}
