using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

/// <summary>
/// Whether the signed-in user proved who they are recently enough for a sensitive change (adding or removing a
/// factor, new recovery codes): a stolen session cookie alone must not be able to plant or remove factors.
/// </summary>
public sealed class RecentAuthentication(IOptions<AccountOptions> options, TimeProvider time)
{
    public const string ReauthenticateUrl = "/account/login?ReturnUrl=%2Faccount&reauthenticate=true";

    public bool IsRecent(ClaimsPrincipal session)
        => SignInSession.GetAuthenticationTime(session) is { } at && time.GetUtcNow() - at <= options.Value.SensitiveActionMaxAge;
}
