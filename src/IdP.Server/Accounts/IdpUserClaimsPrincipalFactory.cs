using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

/// <summary>
/// The SSO session's principal: who (id, user name, e-mail) and the security stamp, as Identity's own factory builds
/// it, without reading the per-user claims table. IdP keeps every fact about a user in the account row and never
/// writes <c>AspNetUserClaims</c>, so Identity's read of it found nothing, once per sign-in and once per security-stamp
/// check of every session.
/// </summary>
public sealed class IdpUserClaimsPrincipalFactory(UserManager<IdpUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<IdpUser>(users, options)
{
    protected override Task<ClaimsIdentity> GenerateClaimsAsync(IdpUser user)
    {
        var names = Options.ClaimsIdentity;
        var identity = new ClaimsIdentity(IdentityConstants.ApplicationScheme, names.UserNameClaimType, names.RoleClaimType);
        identity.AddClaim(new Claim(names.UserIdClaimType, user.Id));
        identity.AddClaim(new Claim(names.UserNameClaimType, user.UserName ?? ""));
        if (!string.IsNullOrEmpty(user.Email))
        {
            identity.AddClaim(new Claim(names.EmailClaimType, user.Email));
        }

        if (user.SecurityStamp is { } stamp)
        {
            identity.AddClaim(new Claim(names.SecurityStampClaimType, stamp));
        }

        return Task.FromResult(identity);
    }
}
