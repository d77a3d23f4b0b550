using OpenIddict.Server;

namespace IdP.Server.Keys;

/// <summary>
/// The one mark that makes an access token gateway-signed: set on the request's OpenIddict transaction by the
/// protocol's gateway rule (<c>Protocol/GatewayTokenRule</c>) before the token is generated, and read by
/// <see cref="SignWithActiveKey"/>. The gateway checks keys, not claims, so this mark is the trust boundary.
/// </summary>
public static class GatewaySigning
{
    private const string PropertyName = ".idp_gateway_signing";

    public static void Request(OpenIddictServerTransaction transaction) => transaction.Properties[PropertyName] = true;

    public static bool IsRequested(OpenIddictServerTransaction transaction)
        => transaction.Properties.TryGetValue(PropertyName, out var value) && value is true;
}
