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
}
