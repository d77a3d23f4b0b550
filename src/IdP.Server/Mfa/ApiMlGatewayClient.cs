using System.Collections.Immutable;

namespace IdP.Server.Mfa;

/// <summary>
/// Marks a client registered with <c>clients add --apiml-gateway</c>: the gateway's own browser login. API ML keeps
/// that client's access token as its session and acts on the mainframe with it, so its access tokens are
/// gateway-bound whatever their scopes: they need two factors and are signed by the gateway key set.
/// </summary>
public static class ApiMlGatewayClient
{
    public const string SettingName = "urn:idp:settings:apiml_gateway";

    public static bool Is(ImmutableDictionary<string, string> settings)
        => settings.TryGetValue(SettingName, out var value) && value == "true";
}
