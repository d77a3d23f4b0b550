using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace IdP.Server.Protocol;

/// <summary>Protocol errors go back through OpenIddict, which shapes them per RFC 6749 §5.2 / OIDC Core §3.1.2.6.</summary>
internal static class ProtocolResults
{
    public static IResult Forbid(string error, string description)
        => Results.Forbid(ErrorProperties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    public static IResult Challenge(string error, string description)
        => Results.Challenge(ErrorProperties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static AuthenticationProperties ErrorProperties(string error, string description)
        => new(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        });
}
