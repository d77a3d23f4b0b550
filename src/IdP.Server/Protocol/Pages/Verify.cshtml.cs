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
    IOpenIddictAuthorizationManager authorizations,
    Mfa.AuthenticationRequirements requirements,
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
        if (application is not null && await GateAsync(application, device.Principal) is { } gate)
        {
            return gate;
        }

        ClientName = application is null ? clientId : await applications.GetLocalizedDisplayNameAsync(application) ?? clientId;
        UserName = users.GetUserName(User);
        Scopes = [.. device.Principal.GetScopes()];
        return Page();
    }

    /// <summary>
    /// Null when the signed-in user may approve this device request now; otherwise where to go first: step-up to
    /// the level the client and scopes need, or a refusal for a client an administrator has not authorized.
    /// </summary>
    private async Task<IActionResult?> GateAsync(object application, System.Security.Claims.ClaimsPrincipal device)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (await applications.GetConsentTypeAsync(application) == ConsentTypes.External)
        {
            var applicationId = await applications.GetIdAsync(application);
            var authorized = false;
            await foreach (var _ in authorizations.FindAsync(user.Id, applicationId!, Statuses.Valid, AuthorizationTypes.Permanent, device.GetScopes()))
            {
                authorized = true;
                break;
            }

            if (!authorized)
            {
                return Forbid(new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=denied" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }
        }

        // As at the authorization endpoint: nothing that acts on the mainframe for an MFA-exempt user.
        if (user.MfaExempt && await requirements.IsGatewayBoundAsync(application, device.GetScopes(), HttpContext.RequestAborted))
        {
            return Forbid(new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=denied" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var required = await requirements.RequiredLevelAsync(application, device.GetScopes(), user, acrValues: null, HttpContext.RequestAborted);
        if (Mfa.AuthenticationLevels.Rank(Mfa.MfaSignIn.LevelOf(User)) < Mfa.AuthenticationLevels.Rank(required))
        {
            var back = "/connect/verify?user_code=" + Uri.EscapeDataString(UserCode ?? HttpContext.GetOpenIddictServerRequest()?.UserCode ?? "");
            return LocalRedirect("/account/mfa?level=" + Uri.EscapeDataString(required) + "&returnUrl=" + Uri.EscapeDataString(back));
        }

        return null;
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

        // The same rules as the authorization endpoint: consent policy and the required authentication level.
        if (await applications.FindByClientIdAsync(device.Principal.GetClaim(Claims.ClientId)!) is { } application
            && await GateAsync(application, device.Principal) is { } gate)
        {
            return gate;
        }

        var principal = await principals.CreateForUserAsync(
            user, device.Principal.GetScopes(), SignInSession.GetAuthenticationTime(User) ?? DateTimeOffset.UtcNow,
            SignInSession.GetMethods(User), HttpContext.RequestAborted);
        return SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=approved" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
