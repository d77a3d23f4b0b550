using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Administration;

/// <summary>Turns <c>--grant</c> values (full names or short forms) into OAuth grant types, and picks defaults.</summary>
public static class ClientGrants
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["authorization_code"] = GrantTypes.AuthorizationCode,
        ["code"] = GrantTypes.AuthorizationCode,
        ["refresh_token"] = GrantTypes.RefreshToken,
        ["refresh"] = GrantTypes.RefreshToken,
        ["client_credentials"] = GrantTypes.ClientCredentials,
        ["client-credentials"] = GrantTypes.ClientCredentials,
        ["device_code"] = GrantTypes.DeviceCode,
        ["device"] = GrantTypes.DeviceCode,
        [GrantTypes.DeviceCode] = GrantTypes.DeviceCode,
    };

    /// <summary>
    /// The grant types to register. Without <c>--grant</c>: a client with a redirect URI signs users in (plus refresh
    /// tokens when it asks for <c>offline_access</c>); a confidential client without one is a service.
    /// </summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> requested, ClientKind kind, bool hasRedirectUri, IReadOnlyCollection<string> scopes)
    {
        if (requested.Count > 0)
        {
            return [.. requested.Select(Parse).Distinct(StringComparer.Ordinal)];
        }

        if (hasRedirectUri)
        {
            return scopes.Contains(Scopes.OfflineAccess)
                ? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken]
                : [GrantTypes.AuthorizationCode];
        }

        if (kind == ClientKind.Confidential)
        {
            return [GrantTypes.ClientCredentials];
        }

        throw new AdministrationException(
            "A public client without --redirect-uri needs a --grant (e.g. --grant device_code, or --redirect-uri for authorization_code).");
    }

    private static string Parse(string value)
        => Names.TryGetValue(value, out var grant)
            ? grant
            : throw new AdministrationException(
                $"Unknown grant type '{value}': use authorization_code (code), refresh_token (refresh), client_credentials (client-credentials) or device_code (device).");
}
