using IdP.Server.Protocol;
using IdP.Server.Data;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Accounts.Pages;

/// <summary>
/// Self-service: the user's factors, recovery codes and recent sign-ins. Changes that weaken the account need a
/// recent sign-in (re-prompt), and the last factor cannot be removed while the policy requires MFA.
/// </summary>
[Authorize]
public sealed class AccountModel(
    UserManager<IdpUser> users,
    UserFactors userFactors,
    TotpAuthenticatorService totp,
    RecoveryCodeService recoveryCodes,
    AuditLog audit,
    TokenRevocation revocation,
    IdpDbContext db,
    RecentAuthentication recentAuthentication) : PageModel
{
    public string UserName { get; private set; } = "";
    public FactorInventory Factors { get; private set; } = new([], [], 0);
    public IReadOnlyList<AuditEvent> RecentActivity { get; private set; } = [];
    public IReadOnlyList<string>? NewRecoveryCodes { get; private set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await RenderAsync(await CurrentUserAsync());

    public Task<IActionResult> OnPostRemoveAuthenticatorAsync(string id) => SensitiveAsync(async user =>
    {
        if (!UserFactors.CanRemoveOne(user, await userFactors.GetAsync(user)))
        {
            return LastFactor();
        }

        if (await totp.RemoveAsync(user.Id, id) == 1)
        {
            await audit.WriteAsync("mfa.remove", AuditLog.Success, user, "totp");
            await revocation.RevokeAllAsync(user.Id);
            Message = "The authenticator was removed. Its codes no longer work, and applications must sign you in again.";
        }

        return null;
    });

    public Task<IActionResult> OnPostRemovePasskeyAsync(string id) => SensitiveAsync(async user =>
    {
        if (!UserFactors.CanRemoveOne(user, await userFactors.GetAsync(user)))
        {
            return LastFactor();
        }

        if ((await users.RemovePasskeyAsync(user, WebEncoders.Base64UrlDecode(id))).Succeeded)
        {
            await audit.WriteAsync("mfa.remove", AuditLog.Success, user, "passkey");
            await revocation.RevokeAllAsync(user.Id);
            Message = "The passkey was removed. Applications must sign you in again.";
        }

        return null;
    });

    /// <summary>Renaming changes nothing about security, so it needs no re-prompt.</summary>
    public async Task<IActionResult> OnPostRenamePasskeyAsync(string id, string? name)
    {
        var user = await CurrentUserAsync();
        var passkey = await users.GetPasskeyAsync(user, WebEncoders.Base64UrlDecode(id));
        var trimmed = name?.Trim();
        if (passkey is null || string.IsNullOrEmpty(trimmed) || trimmed.Length > 100)
        {
            Error = "Give the passkey a name of 1 to 100 characters.";
            return await RenderAsync(user);
        }

        passkey.Name = trimmed;
        await users.AddOrUpdatePasskeyAsync(user, passkey);
        Message = $"The passkey is now called \u201c{trimmed}\u201d.";
        return await RenderAsync(user);
    }

    public Task<IActionResult> OnPostRegenerateRecoveryCodesAsync() => SensitiveAsync(async user =>
    {
        NewRecoveryCodes = await recoveryCodes.RegenerateAsync(user.Id);
        await audit.WriteAsync("mfa.recovery-codes", AuditLog.Success, user, "recovery-code", "regenerated");
        return null;
    });

    /// <summary>Runs a sensitive change only within <see cref="AccountOptions.SensitiveActionMaxAge"/> of the last sign-in.</summary>
    private async Task<IActionResult> SensitiveAsync(Func<IdpUser, Task<IActionResult?>> change)
    {
        var user = await CurrentUserAsync();
        if (!recentAuthentication.IsRecent(User))
        {
            // Re-prompt: password and second factor again, then back here.
            return LocalRedirect(RecentAuthentication.ReauthenticateUrl);
        }

        return await change(user) ?? await RenderAsync(user);
    }

    private IActionResult? LastFactor()
    {
        Error = "You cannot remove your only second factor: your account must have one. Add another first, then remove this one.";
        return null;
    }

    private async Task<IdpUser> CurrentUserAsync()
        => await users.GetUserAsync(User) ?? throw new InvalidOperationException("An authorized request without a user.");

    private async Task<IActionResult> RenderAsync(IdpUser user)
    {
        UserName = user.UserName!;
        Factors = await userFactors.GetAsync(user);
        RecentActivity = await db.AuditEvents.AsNoTracking()
            .Where(e => e.UserId == user.Id && e.Type.StartsWith("signin."))
            .OrderByDescending(e => e.Id).Take(10).ToListAsync();
        return Page();
    }
}
