using IdP.Server.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdP.Server.Shared;

public sealed class IndexPageModel(UserManager<IdpUser> users) : PageModel
{
    public string? UserName { get; private set; }

    public async Task OnGetAsync()
    {
        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        UserName = session.Succeeded ? users.GetUserName(session.Principal!) : null;
    }
}
