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
            await passwordChecks.RunAsync(() => Task.FromResult(users.PasswordHasher.VerifyHashedPassword(new IdpUser(), UnknownUserHash, Input.Password)));
            // Note: what was typed is not recorded: it is often a password typed into the wrong field.
            await audit.WriteAsync(AuditTypes.PasswordSignIn, AuditLog.Failure, null, "password", AuditReasons.UnknownUser);
            return Fail("The user name or password is incorrect.");
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

        if (result.IsLockedOut)
        {
            await AuditLockoutIfNewAsync(user, lockedBefore);
            var until = await users.GetLockoutEndDateAsync(user);
            return Fail($"Too many failed attempts: password sign-in is locked until {until:yyyy-MM-dd HH:mm} UTC. " +
                        "Try again then, or ask your administrator to reset your password.");
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

        return Fail("The user name or password is incorrect.");
    }

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
