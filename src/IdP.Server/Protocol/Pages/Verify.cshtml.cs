using IdP.Server.Accounts;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol.Pages;

/// <summary>
/// The end-user verification page of the device flow (RFC 8628 §3.3). OpenIddict resolves the user code; the
/// signed-in user approves or denies, and OpenIddict then lets the device's polling succeed or fail.
/// </summary>
[Authorize]
public sealed class VerifyModel(
    UserManager<IdpUser> users,
    IOpenIddictApplicationManager applications,
    UserPrincipalFactory principals) : PageModel
{
    public string? UserCode { get; private set; }
    public string? ClientName { get; private set; }
    public string? UserName { get; private set; }
    public IReadOnlyList<string> Scopes { get; private set; } = [];
    public string? CodeError { get; private set; }
    public string? Outcome { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? outcome)
    {
        Outcome = outcome is "approved" or "denied" ? outcome : null;
        var request = HttpContext.GetOpenIddictServerRequest();
        UserCode = request?.UserCode;
        if (Outcome is not null || string.IsNullOrEmpty(UserCode))
        {
            return Page();
        }

        var device = await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (device.Principal?.GetClaim(Claims.ClientId) is not { } clientId)
        {
            CodeError = "That code is not valid or has expired. Check the code on your device, or start again there to get a new one.";
            return Page();
        }

        var application = await applications.FindByClientIdAsync(clientId);
        ClientName = application is null ? clientId : await applications.GetLocalizedDisplayNameAsync(application) ?? clientId;
        UserName = users.GetUserName(User);
        Scopes = [.. device.Principal.GetScopes()];
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? decision)
    {
        if (decision != "approve")
        {
            return Forbid(new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=denied" },
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var device = await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = await users.GetUserAsync(User);
        if (device.Principal?.GetClaim(Claims.ClientId) is null || user is null)
        {
            CodeError = "That code is not valid or has expired. Start again on your device to get a new one.";
            return Page();
        }

        var principal = await principals.CreateForUserAsync(
            user, device.Principal.GetScopes(), SignInSession.GetAuthenticationTime(User) ?? DateTimeOffset.UtcNow,
            SignInSession.GetMethods(User), HttpContext.RequestAborted);
        return SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=approved" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
