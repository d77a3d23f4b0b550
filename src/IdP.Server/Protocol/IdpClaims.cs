namespace IdP.Server.Protocol;

/// <summary>IdP's own claim types and scope names. Standard ones come from <c>OpenIddictConstants</c>.</summary>
public static class IdpClaims
{
    /// <summary>Claim kept in the sign-in cookie: when the user last proved who they are (seconds since epoch).</summary>
    public const string AuthenticationTime = "auth_time";

    /// <summary>RFC 8176 authentication method references.</summary>
    public const string AuthenticationMethods = "amr";

    /// <summary>
    /// The distributed identity the gateway maps to a mainframe user (the <c>sub</c>), present only in access tokens
    /// the gateway key set signs. A gateway with <c>apiml.security.oidc.userIdField: mainframe_id</c> then maps no
    /// other token, even if it were told to trust a general key.
    /// </summary>
    public const string MainframeId = "mainframe_id";
}
