using IdP.Server.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdP.Server.Mfa.Pages;

/// <summary>
/// The second step of sign-in (and of step-up): a TOTP code. Each state that needs more from the user has its
/// own explanation: a wrong or reused code, the next code after clock drift, and a locked factor.
/// </summary>
public sealed class SecondFactorModel(MfaSignIn mfa, TotpAuthenticatorService totp, UserFactors factors, SecondFactorLockout lockout, AuditLog audit) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The level the application asked for; a passkey-only level never accepts a code.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Level { get; set; }

    [BindProperty]
    public string Code { get; set; } = "";

    public bool PasskeyRequired => Level == AuthenticationLevels.PhishingResistant;

    public bool HasAuthenticator { get; private set; } = true;

    public bool HasPasskeys { get; private set; }

    public string? FormError { get; private set; }
    public string? CodeError { get; private set; }
    public bool NextCodeNeeded { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }
    public string RecoveryUrl => ReturnUrls.With("/account/mfa/recovery", ReturnUrl);

    public async Task<IActionResult> OnGetAsync()
    {
        var pending = await mfa.GetPendingAsync(HttpContext);
        if (pending is null)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        // Enrolment required: a user with no factor is taken through enrolment right after the password.
        if (!(await OfferFactorsAsync(pending.User)).Any)
        {
            return LocalRedirect(ReturnUrls.With("/account/mfa/enroll", ReturnUrl));
        }

        // From the account row just read for this request (the POST re-checks the lockout atomically anyway).
        LockedUntil = lockout.LockedUntil(pending.User);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var pending = await mfa.GetPendingAsync(HttpContext);
        if (pending is null)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        // A phishing-resistant level is proven by a passkey only; a code (however valid) does not reach it.
        if (PasskeyRequired)
        {
            await audit.WriteAsync(AuditTypes.TotpSignIn, AuditLog.Failure, pending.User, "totp", "passkey required by the application");
            return Page();
        }

        var result = await totp.VerifyAsync(pending.User, Code);
        await audit.WriteAsync(AuditTypes.TotpSignIn, result.Succeeded ? AuditLog.Success : AuditLog.Failure, pending.User, "totp",
            result.Outcome switch
            {
                SecondFactorOutcome.Success => null,
                SecondFactorOutcome.NeedsNextCode => "clock drift: next code requested",
                SecondFactorOutcome.Replayed => "code already used",
                SecondFactorOutcome.LockedOut => AuditReasons.SecondFactorLocked,
                _ => "wrong code",
            });
        if (result.LockoutStarted)
        {
            await audit.WriteAsync(AuditTypes.Lockout, AuditLog.Failure, pending.User, "totp",
                $"second factor locked until {result.LockedUntil?.UtcDateTime:u}");
        }

        switch (result.Outcome)
        {
            case SecondFactorOutcome.Success:
                await mfa.CompleteAsync(HttpContext, pending, AuthenticationLevels.Methods.OneTimePassword);
                return LocalRedirect(ReturnUrls.Safe(Url, ReturnUrl));

            case SecondFactorOutcome.NeedsNextCode:
                NextCodeNeeded = true;
                break;

            case SecondFactorOutcome.LockedOut:
                LockedUntil = result.LockedUntil;
                break;

            case SecondFactorOutcome.Replayed:
                FormError = "That code has already been used. Wait for your authenticator to show a new code, then enter it.";
                CodeError = "Enter a new code.";
                break;

            default:
                FormError = "That code is not correct. Check that you are reading the code for IdP and that it has not just changed.";
                CodeError = "Enter the 6-digit code your authenticator shows.";
                break;
        }

        // The page is shown again: it offers the other factors the user has (read only now, not on every success).
        await OfferFactorsAsync(pending.User);
        return Page();
    }

    /// <summary>The page offers the kinds of factor the user has.</summary>
    private async Task<FactorKinds> OfferFactorsAsync(IdpUser user)
    {
        var kinds = await factors.GetKindsAsync(user);
        HasAuthenticator = kinds.Authenticator;
        HasPasskeys = kinds.Passkey;
        return kinds;
    }
}
