namespace IdP.Server.Protocol;

/// <summary>IdP's own claim types and scope names. Standard ones come from <c>OpenIddictConstants</c>.</summary>
public static class IdpClaims
{
    /// <summary>Claim kept in the sign-in cookie: when the user last proved who they are (seconds since epoch).</summary>
    public const string AuthenticationTime = "auth_time";

    /// <summary>RFC 8176 authentication method references.</summary>
    public const string AuthenticationMethods = "amr";
}

/// <summary>RFC 8176 §2 values for <c>amr</c>.</summary>
public static class AuthenticationMethodValues
{
    public const string Password = "pwd";
}
