using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

/// <summary>Identity's sign-in manager, with one extra rule: disabled accounts cannot sign in; and sign-outs are audited.</summary>
public sealed class IdpSignInManager(
    UserManager<IdpUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<IdpUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<IdpUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<IdpUser> confirmation,
    Mfa.AuditLog audit)
    : SignInManager<IdpUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(IdpUser user)
        => !user.IsDisabled && await base.CanSignInAsync(user);

    /// <summary>
    /// Signing out also ends a half-finished sign-in, so the next person at the browser cannot resume it. Every path
    /// that ends a session (the sign-out page, RP-initiated logout, prompt=login) comes through here, so here it is audited.
    /// </summary>
    public override async Task SignOutAsync()
    {
        var principal = Context.User;
        await base.SignOutAsync();
        await Context.SignOutAsync(Mfa.MfaSignIn.PendingScheme);
        if (principal.Identity is { IsAuthenticated: true })
        {
            await audit.WriteForUserIdAsync(Mfa.AuditTypes.SignOut, Mfa.AuditLog.Success, UserManager.GetUserId(principal), UserManager.GetUserName(principal));
        }
    }
}
