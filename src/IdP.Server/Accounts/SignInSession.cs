using System.Globalization;
using System.Security.Claims;
using IdP.Server.Protocol;

namespace IdP.Server.Accounts;

/// <summary>
/// What the SSO cookie remembers about how the user signed in: when (<c>auth_time</c>) and with what (<c>amr</c>).
/// OIDC Core §3.1.2.1 measures <c>max_age</c> against this time, not against the cookie's issue time.
/// </summary>
public static class SignInSession
{
    /// <summary>The same instant to the millisecond, for server-side comparisons (auth_time in tokens is in seconds).</summary>
    public const string PreciseAuthenticationTime = "idp_auth_time_ms";

    public static IReadOnlyList<Claim> CreateClaims(DateTimeOffset authenticatedAt, params string[] methods)
    {
        var claims = new List<Claim>
        {
            new(IdpClaims.AuthenticationTime, authenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new(PreciseAuthenticationTime, authenticatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
        };
        claims.AddRange(methods.Select(method => new Claim(IdpClaims.AuthenticationMethods, method)));
        return claims;
    }

    /// <summary>The claims that record the authentication itself (as opposed to the user's profile).</summary>
    public static bool IsAuthenticationFact(Claim claim)
        => claim.Type is IdpClaims.AuthenticationTime or PreciseAuthenticationTime or IdpClaims.AuthenticationMethods or Mfa.MfaSignIn.LevelClaim;

    public static DateTimeOffset? GetAuthenticationTime(ClaimsPrincipal principal)
        => long.TryParse(principal.FindFirst(PreciseAuthenticationTime)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : long.TryParse(principal.FindFirst(IdpClaims.AuthenticationTime)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static IReadOnlyList<string> GetMethods(ClaimsPrincipal principal)
        => [.. principal.FindAll(IdpClaims.AuthenticationMethods).Select(claim => claim.Value)];
}
