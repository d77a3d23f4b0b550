using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using IdP.Server.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol.Pages;

/// <summary>
/// Shows what a client asks for and replays the authorization request to /connect/authorize with the answer.
/// The replay is a POST with an antiforgery token, so another site cannot consent on the user's behalf.
/// </summary>
[Authorize]
public sealed class ConsentModel(IOpenIddictApplicationManager applications, UserManager<IdpUser> users) : PageModel
{
    public string ClientName { get; private set; } = "";
    public string UserName { get; private set; } = "";
    public IReadOnlyList<string> Scopes { get; private set; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> RequestParameters { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        if (returnUrl is null || !returnUrl.StartsWith("/connect/authorize?", StringComparison.Ordinal))
        {
            return RedirectToPage("/Shared/ErrorPage");
        }

        var query = QueryHelpers.ParseQuery(returnUrl[returnUrl.IndexOf('?', StringComparison.Ordinal)..]);
        var application = query.TryGetValue(Parameters.ClientId, out var clientId)
            ? await applications.FindByClientIdAsync(clientId.ToString())
            : null;
        if (application is null)
        {
            return RedirectToPage("/Shared/ErrorPage");
        }

        ClientName = await applications.GetLocalizedDisplayNameAsync(application) ?? clientId.ToString();
        UserName = users.GetUserName(User) ?? "";
        Scopes = [.. query.TryGetValue(Parameters.Scope, out var scope)
            ? scope.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Describe)
            : []];
        RequestParameters = [.. query.SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? "")))];
        return Page();
    }

    private static string Describe(string scope) => scope switch
    {
        OpenIddictConstants.Scopes.OpenId => "Your identity (who you are)",
        OpenIddictConstants.Scopes.Profile => "Your name and user name",
        OpenIddictConstants.Scopes.Email => "Your e-mail address",
        OpenIddictConstants.Scopes.OfflineAccess => "Access while you are away (refresh tokens)",
        Mainframe.MainframeOptions.Scope => "Your mainframe user ID",
        _ => $"The API scope '{scope}'",
    };
}
