using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;

namespace IdP.Server.Mfa.Pages;

/// <summary>
/// TOTP enrolment: QR code and manual key, confirmed by a valid code before the factor counts. The first
/// enrolment also issues recovery codes, shown once. A session that has not proven a second factor (right after the
/// password, or an MFA-exempt user's) is first asked for the activation code the help desk gave the user
/// (<see cref="ActivationCodes"/>): the password alone must not let anyone attach a factor of their own to the account.
/// </summary>
public sealed class EnrolModel(
    MfaSignIn mfa, TotpAuthenticatorService totp, UserFactors factors, RecoveryCodeService recoveryCodes, ActivationCodes activation,
    AuditLog audit, Accounts.RecentAuthentication recentAuthentication) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string AuthenticatorId { get; set; } = "";

    [BindProperty]
    public string Code { get; set; } = "";

    public string ManualKey { get; private set; } = "";
    public string QrCodeDataUri { get; private set; } = "";
    [BindProperty]
    public string? ActivationCode { get; set; }

    /// <summary>The page asks for the activation code first.</summary>
    public bool NeedsActivation { get; private set; }

    public DateTimeOffset? LockedUntil { get; private set; }

    public string? FormError { get; private set; }
    public string? CodeError { get; private set; }
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }
    public string ContinueUrl => ReturnUrls.Safe(Url, ReturnUrl);

    public async Task<IActionResult> OnGetAsync()
    {
        if (await AuthorizedUserAsync() is not { } pending)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        // Adding a factor to a signed-in account is a sensitive change: it needs a recent sign-in.
        if (pending.HasFullSession && !recentAuthentication.IsRecent(User))
        {
            return LocalRedirect(Accounts.RecentAuthentication.ReauthenticateUrl);
        }

        if (NeedsActivationCode(pending))
        {
            NeedsActivation = true;
            return Page();
        }

        Show(await totp.BeginEnrolmentAsync(pending.User));
        return Page();
    }

    /// <summary>The activation code, once per sign-in: accepted, it opens enrolment for the rest of this sign-in.</summary>
    public async Task<IActionResult> OnPostActivateAsync()
    {
        if (await AuthorizedUserAsync() is not { } pending)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        if (!NeedsActivationCode(pending))
        {
            return RedirectToPage(new { ReturnUrl });
        }

        var (outcome, lockedUntil) = await activation.RedeemAsync(pending.User, ActivationCode, HttpContext.RequestAborted);
        await audit.WriteAsync(AuditTypes.Activation, outcome == ActivationOutcome.Accepted ? AuditLog.Success : AuditLog.Failure, pending.User, "activation",
            outcome switch
            {
                ActivationOutcome.Accepted => null,
                ActivationOutcome.LockedOut => AuditReasons.SecondFactorLocked,
                _ => "wrong or expired activation code",
            });
        if (outcome == ActivationOutcome.Accepted)
        {
            await mfa.MarkActivatedAsync(HttpContext, pending);
            return RedirectToPage(new { ReturnUrl });
        }

        NeedsActivation = true;
        LockedUntil = lockedUntil;
        FormError = outcome == ActivationOutcome.LockedOut ? null
            : "That activation code is not correct, or it has expired or been used. Check it with your help desk, or ask them for a new one.";
        CodeError = outcome == ActivationOutcome.LockedOut ? null : "Enter the activation code your help desk gave you.";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await AuthorizedUserAsync() is not { } pending)
        {
            return LocalRedirect(ReturnUrls.With("/account/login", ReturnUrl));
        }

        // The confirmation is the change itself, so it needs the recent sign-in too, not only the page that led here.
        if (pending.HasFullSession && !recentAuthentication.IsRecent(User))
        {
            return LocalRedirect(Accounts.RecentAuthentication.ReauthenticateUrl);
        }

        if (NeedsActivationCode(pending))
        {
            return RedirectToPage(new { ReturnUrl });
        }

        if (!await totp.ConfirmEnrolmentAsync(pending.User, AuthenticatorId, Code))
        {
            await audit.WriteAsync("mfa.enrol", AuditLog.Failure, pending.User, "totp", "wrong confirmation code");
            if (await totp.GetEnrolmentAsync(pending.User, AuthenticatorId) is not { } enrolment)
            {
                return RedirectToPage();
            }

            Show(enrolment);
            FormError = "That code is not correct. Check the time on your phone is set automatically, and enter the code the app shows now.";
            CodeError = "Enter the 6-digit code from the app.";
            return Page();
        }

        await audit.WriteAsync("mfa.enrol", AuditLog.Success, pending.User, "totp");
        if (await recoveryCodes.RemainingAsync(pending.User.Id) == 0)
        {
            RecoveryCodes = await recoveryCodes.RegenerateAsync(pending.User.Id);
        }

        // The code just entered proves only that the new authenticator works. A sign-in opened by the activation code
        // completes with two factors. One without it (Mfa:RequireActivation false, or the demo user) completes at the
        // password's level. A signed-in user adding a factor keeps the session as it was.
        if (!pending.HasFullSession)
        {
            await (pending.Activated
                ? mfa.CompleteAsync(HttpContext, pending, AuthenticationLevels.Methods.OneTimePassword)
                : mfa.CompleteAsync(HttpContext, pending));
        }

        return RecoveryCodes is null ? LocalRedirect(ContinueUrl) : Page();
    }

    private bool NeedsActivationCode(PendingSignIn pending) => activation.IsRequiredFor(pending);

    /// <summary>
    /// Who may enrol: a signed-in user, or a user part-way through sign-in who has no factor yet. A password alone
    /// must never be enough to add a factor to an account that already has one.
    /// </summary>
    private async Task<PendingSignIn?> AuthorizedUserAsync()
    {
        var pending = await mfa.GetPendingAsync(HttpContext);
        if (pending is null)
        {
            return null;
        }

        // Every kind of factor counts (authenticators and passkeys): a passkey-only account is not factor-less. A sign-in
        // that gave the activation code may add one (an MFA-exempt user's, which may have factors already).
        return pending.HasFullSession || pending.Activated || (await factors.GetAsync(pending.User)).Count == 0 ? pending : null;
    }

    private void Show(TotpEnrolment enrolment)
    {
        AuthenticatorId = enrolment.AuthenticatorId;
        ManualKey = string.Join(' ', enrolment.ManualKey.Chunk(4).Select(chunk => new string(chunk)));
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(enrolment.OtpAuthUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        QrCodeDataUri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
    }
}
