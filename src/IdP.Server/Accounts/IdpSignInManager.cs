using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

/// <summary>Identity's sign-in manager, with one extra rule: disabled accounts cannot sign in.</summary>
public sealed class IdpSignInManager(
    UserManager<IdpUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<IdpUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<IdpUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<IdpUser> confirmation)
    : SignInManager<IdpUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(IdpUser user)
        => !user.IsDisabled && await base.CanSignInAsync(user);

    /// <summary>Signing out also ends a half-finished sign-in, so the next person at the browser cannot resume it.</summary>
    public override async Task SignOutAsync()
    {
        await base.SignOutAsync();
        await Context.SignOutAsync(Mfa.MfaSignIn.PendingScheme);
    }
}
