using System.Security.Claims;
using IdP.Server.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa;

/// <summary>
/// Someone part-way through signing in: who, which methods they have proven so far, and whether they gave the
/// activation code that opens their first enrolment (<see cref="ActivationCodes"/>).
/// </summary>
public sealed record PendingSignIn(IdpUser User, IReadOnlyList<string> Methods, bool HasFullSession, bool Activated = false);

/// <summary>
/// The two-step sign-in. After the password, only a short-lived "second factor pending" cookie is issued (IdP's own
/// <see cref="PendingScheme"/>); the SSO session cookie is issued once the level the policy needs is reached, with the
/// methods used (<c>amr</c>), the level (<c>acr</c>) and the time (<c>auth_time</c>) of that authentication.
/// A signed-in user stepping up goes through the same pages with their session.
/// </summary>
public sealed class MfaSignIn(SignInManager<IdpUser> signIn, UserManager<IdpUser> users, TimeProvider time)
{
    public const string LevelClaim = "acr";

    /// <summary>
    /// The cookie scheme of a sign-in waiting for its second step. IdP's own, not Identity's two-factor scheme:
    /// Identity keeps its passkey ceremony state there, which would overwrite the record of the password step.
    /// </summary>
    public const string PendingScheme = "Idp.SecondFactorPending";

    /// <summary>
    /// On the pending cookie only: the activation code was given in this sign-in. Its value is the user's security
    /// stamp then, so <c>users activation</c> or <c>reset-mfa</c> (which change it) withdraw the mark.
    /// </summary>
    private const string ActivatedClaim = "idp_activated";

    /// <summary>The password was right and a second factor is needed: remember that, briefly, and nothing more.</summary>
    public Task BeginAsync(HttpContext context, IdpUser user)
        => SignInPendingAsync(context, user, [AuthenticationLevels.Methods.Password], activatedStamp: null, expiresUtc: null);

    /// <summary>
    /// The activation code was accepted: the rest of this sign-in may set up a factor. A signed-in user's password
    /// session continues as a pending sign-in, which that factor completes.
    /// </summary>
    public async Task MarkActivatedAsync(HttpContext context, PendingSignIn pending)
    {
        // Within the window the password step opened, not a new one.
        var expiresUtc = pending.HasFullSession ? null : (await context.AuthenticateAsync(PendingScheme)).Properties?.ExpiresUtc;
        await SignInPendingAsync(context, pending.User, pending.Methods, pending.User.SecurityStamp ?? "", expiresUtc);
    }

    private static async Task SignInPendingAsync(
        HttpContext context, IdpUser user, IEnumerable<string> methods, string? activatedStamp, DateTimeOffset? expiresUtc)
    {
        var identity = new ClaimsIdentity(PendingScheme);
        identity.AddClaim(new Claim(ClaimTypes.Name, user.Id));
        foreach (var method in methods)
        {
            identity.AddClaim(new Claim(Protocol.IdpClaims.AuthenticationMethods, method));
        }

        if (activatedStamp is not null)
        {
            identity.AddClaim(new Claim(ActivatedClaim, activatedStamp));
        }

        // Expires after Accounts:SecondFactorTimeout (the scheme's ExpireTimeSpan) unless given.
        await context.SignInAsync(PendingScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false, ExpiresUtc = expiresUtc });
    }

    /// <summary>The user in the middle of signing in (after the password), or a signed-in user stepping up.</summary>
    public async Task<PendingSignIn?> GetPendingAsync(HttpContext context)
    {
        var pending = await context.AuthenticateAsync(PendingScheme);
        if (pending.Succeeded && pending.Principal.FindFirstValue(ClaimTypes.Name) is { } userId
            && await users.FindByIdAsync(userId) is { } user && await signIn.CanSignInAsync(user))
        {
            return new PendingSignIn(user, SignInSession.GetMethods(pending.Principal), HasFullSession: false,
                Activated: pending.Principal.FindFirstValue(ActivatedClaim) is { } stamp && stamp == (user.SecurityStamp ?? ""));
        }

        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (session.Succeeded && await users.GetUserAsync(session.Principal) is { } signedIn && await signIn.CanSignInAsync(signedIn))
        {
            return new PendingSignIn(signedIn, SignInSession.GetMethods(session.Principal), HasFullSession: true);
        }

        return null;
    }

    /// <summary>Issues the SSO session for the methods proven so far plus the new ones, timed now.</summary>
    public async Task CompleteAsync(HttpContext context, PendingSignIn pending, params string[] newMethods)
    {
        var methods = pending.Methods.Concat(newMethods).Distinct().ToList();

        // RFC 8176 §2: "mfa" when more than one factor was used (password + code, or a passkey with user verification).
        if (methods.Count > 1)
        {
            methods.Add(AuthenticationLevels.Methods.MultiFactor);
        }

        var claims = SignInSession.CreateClaims(time.GetUtcNow(), [.. methods.Distinct()]).ToList();
        claims.Add(new Claim(LevelClaim, AuthenticationLevels.FromMethods(methods)));
        await signIn.SignInWithClaimsAsync(pending.User, isPersistent: false, claims);
        await context.SignOutAsync(PendingScheme);
    }

    /// <summary>The level a signed-in session has reached.</summary>
    public static string LevelOf(ClaimsPrincipal session)
        => session.FindFirstValue(LevelClaim) ?? AuthenticationLevels.FromMethods(SignInSession.GetMethods(session));
}
