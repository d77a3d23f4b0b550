using System.ComponentModel.DataAnnotations;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdP.Server.Accounts.Pages;

/// <summary>
/// Password sign-in. Messages never reveal whether an account exists; the antiforgery token on the form
/// stops login CSRF (RFC 9700 §4.4.1.8 / OWASP "login CSRF").
/// </summary>
public sealed class LoginModel(SignInManager<IdpUser> signIn, UserManager<IdpUser> users, MfaSignIn mfa, AuditLog audit, PasswordCheckGate passwordChecks)
    : PageModel
{
    // Used to spend the same hashing time when the account does not exist (no user enumeration by timing).
    private static readonly string UnknownUserHash = new PasswordHasher<IdpUser>().HashPassword(new IdpUser(), Guid.NewGuid().ToString());

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    /// <summary>Where to continue after signing in: a local URL only (no open redirect).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? FormError { get; private set; }

    /// <summary>Set when a sensitive change sent the user back here to prove it is still them.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Reauthenticate { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await users.FindByNameAsync(Input.UserName) ?? await users.FindByEmailAsync(Input.UserName);
        if (user is null)
        {
            await SpendPasswordCheckTimeAsync();
            // Note: what was typed is not recorded: it is often a password typed into the wrong field.
            await audit.WriteAsync(AuditTypes.PasswordSignIn, AuditLog.Failure, null, "password", AuditReasons.UnknownUser);
            return Fail(Refusal);
        }

        // Read from the account just loaded (no query), so that a lockout this attempt starts can be told apart.
        var lockedBefore = await users.IsLockedOutAsync(user);
        var result = await passwordChecks.RunAsync(() => signIn.CheckPasswordSignInAsync(user, Input.Password, lockoutOnFailure: true));
        await audit.WriteAsync(AuditTypes.PasswordSignIn, result.Succeeded ? AuditLog.Success : AuditLog.Failure, user, "password",
            result.Succeeded ? null
            : result.IsLockedOut ? AuditReasons.LockedOut
            : result.IsNotAllowed ? (user.IsDisabled ? AuditReasons.AccountDisabled : AuditReasons.NotAllowed)
            : AuditReasons.WrongPassword);
        if (result.Succeeded)
        {
            // Only an administrator's audited exemption skips the second factor.
            if (user.MfaExempt)
            {
                await mfa.CompleteAsync(HttpContext, new PendingSignIn(user, [], HasFullSession: false), AuthenticationLevels.Methods.Password);
                return LocalRedirect(SafeReturnUrl());
            }

            await mfa.BeginAsync(HttpContext, user);
            return LocalRedirect("/account/mfa?returnUrl=" + Uri.EscapeDataString(SafeReturnUrl()));
        }

        // A locked account answers as a wrong password does, in the same time: the page must not tell a guesser which
        // user names exist (the lockout is audited, and shown on the account page and to the help desk).
        if (result.IsLockedOut)
        {
            if (lockedBefore)
            {
                await SpendPasswordCheckTimeAsync();
            }

            await AuditLockoutIfNewAsync(user, lockedBefore);
            return Fail(Refusal);
        }

        // A disabled account is only revealed to someone who knows its password. Identity refuses disabled accounts
        // before it counts failures, so this path counts them itself: guessing stays bounded by the lockout.
        if (result.IsNotAllowed && user.IsDisabled && !lockedBefore)
        {
            if (await passwordChecks.RunAsync(() => users.CheckPasswordAsync(user, Input.Password)))
            {
                return Fail("This account is disabled. Contact your administrator.");
            }

            await users.AccessFailedAsync(user);
            await AuditLockoutIfNewAsync(user, lockedBefore);
        }

        return Fail(Refusal);
    }

    /// <summary>A password check against a throw-away hash, so an answer without a real check takes as long as one.</summary>
    private Task<PasswordVerificationResult> SpendPasswordCheckTimeAsync()
        => passwordChecks.RunAsync(() => Task.FromResult(users.PasswordHasher.VerifyHashedPassword(new IdpUser(), UnknownUserHash, Input.Password)));

    /// <summary>One answer for a wrong password, an unknown user and a locked account, which says what to do.</summary>
    private string Refusal
        => $"The user name or password is incorrect. After {users.Options.Lockout.MaxFailedAccessAttempts} failed attempts, sign-in pauses " +
           $"for {Duration(users.Options.Lockout.DefaultLockoutTimeSpan)}: if you are sure of your password, try again later, or ask your help desk.";

    private static string Duration(TimeSpan span)
        => span >= TimeSpan.FromMinutes(1)
            ? FormattableString.Invariant($"{Math.Ceiling(span.TotalMinutes):0} minutes")
            : FormattableString.Invariant($"{Math.Ceiling(span.TotalSeconds):0} seconds");

    /// <summary>
    /// Records the moment a lockout begins, once, apart from the attempts it then refuses.
    /// </summary>
    /// <remarks>Note: two wrong passwords racing to the threshold may both see it begin, and record it twice.</remarks>
    private async Task AuditLockoutIfNewAsync(IdpUser user, bool lockedBefore)
    {
        if (!lockedBefore && await users.IsLockedOutAsync(user))
        {
            var until = await users.GetLockoutEndDateAsync(user);
            await audit.WriteAsync(AuditTypes.Lockout, AuditLog.Failure, user, "password",
                $"password sign-in locked until {until?.UtcDateTime:u} after {users.Options.Lockout.MaxFailedAccessAttempts} failed attempts");
        }
    }

    private PageResult Fail(string message)
    {
        FormError = message;
        Input.Password = "";
        return Page();
    }

    private string SafeReturnUrl()
        => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/";
}

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your user name or e-mail address.")]
    [StringLength(256, ErrorMessage = "That is too long for a user name or e-mail address.")]
    public string UserName { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    [StringLength(1024, ErrorMessage = "That password is too long.")]
    public string Password { get; set; } = "";
}
