using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace IdP.Server.Accounts.Pages;

/// <summary>Sign-out, and the confirmation step of RP-initiated logout when no matching id_token_hint was sent.</summary>
public sealed class LogoutModel(SignInManager<IdpUser> signIn) : PageModel
{
    public bool Done { get; private set; }

    public bool SignedIn { get; private set; }

    /// <summary>The end-session request to replay once the user confirms, or null for a direct sign-out.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? EndSessionParameters { get; private set; }

    public async Task OnGetAsync(bool done, string? returnUrl)
    {
        Done = done;
        SignedIn = (await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme)).Succeeded;

        // Only the end-session endpoint may be the target: this page never redirects anywhere else.
        if (returnUrl is not null && returnUrl.StartsWith("/connect/endsession", StringComparison.Ordinal))
        {
            var query = returnUrl.Contains('?', StringComparison.Ordinal) ? returnUrl[returnUrl.IndexOf('?', StringComparison.Ordinal)..] : "";
            EndSessionParameters = [.. QueryHelpers.ParseQuery(query)
                .Where(p => p.Key != "confirm")
                .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? "")))];
        }
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return RedirectToPage(new { done = true });
    }
}
