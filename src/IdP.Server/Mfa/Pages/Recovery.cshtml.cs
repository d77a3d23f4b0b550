using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdP.Server.Mfa.Pages;

/// <summary>Sign-in with a single-use recovery code; using the last one prompts to generate a new set.</summary>
public sealed class RecoveryModel(MfaSignIn mfa, RecoveryCodeService recoveryCodes, AuditLog audit, Accounts.RecentAuthentication recent) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string Code { get; set; } = "";

    public string? FormError { get; private set; }
    public string? CodeError { get; private set; }
    public int? Remaining { get; private set; }
    public IReadOnlyList<string>? NewCodes { get; private set; }
    public string ContinueUrl => ReturnUrls.Safe(Url, ReturnUrl);

    public async Task<IActionResult> OnGetAsync()
        => await mfa.GetPendingAsync(HttpContext) is null ? LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl)) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await mfa.GetPendingAsync(HttpContext) is not { } pending)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        if (!await recoveryCodes.RedeemAsync(pending.User.Id, Code))
        {
            await audit.WriteAsync(AuditTypes.RecoveryCodeSignIn, AuditLog.Failure, pending.User, "recovery-code", "unknown or used code");
            FormError = "That recovery code is not valid, or it has already been used.";
            CodeError = "Enter an unused code, e.g. ABCDE-12345.";
            return Page();
        }

        Remaining = await recoveryCodes.RemainingAsync(pending.User.Id);
        await audit.WriteAsync(AuditTypes.RecoveryCodeSignIn, AuditLog.Success, pending.User, "recovery-code", $"{Remaining} left");

        // A recovery code is a one-time password (RFC 8176 "otp").
        await mfa.CompleteAsync(HttpContext, pending, AuthenticationLevels.Methods.OneTimePassword);
        return Page();
    }

    /// <summary>New codes, from the session the recovery code has just authenticated.</summary>
    public async Task<IActionResult> OnPostRegenerateAsync()
    {
        if (await mfa.GetPendingAsync(HttpContext) is not { HasFullSession: true } session)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        // New codes only from a freshly authenticated session (the recovery sign-in a moment ago).
        if (!recent.IsRecent(User))
        {
            return LocalRedirect(Accounts.RecentAuthentication.ReauthenticateUrl);
        }

        NewCodes = await recoveryCodes.RegenerateAsync(session.User.Id);
        await audit.WriteAsync("mfa.recovery-codes", AuditLog.Success, session.User, "recovery-code", "regenerated");
        return Page();
    }
}
