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
    /// The first second factor may be set up only with an activation code from the help desk (<c>users add</c>,
    /// <c>users reset-mfa</c>, <c>users activation</c>). Cleared when a factor is set up with the code, or handed
    /// over (<c>users totp-import</c>).
    /// </summary>
    public bool ActivationRequired { get; set; }

    /// <summary>The SHA-256 digest of the outstanding activation code (never the code), or null when none is outstanding.</summary>
    public string? ActivationCodeDigest { get; set; }

    public DateTimeOffset? ActivationCodeExpiresAt { get; set; }
}
