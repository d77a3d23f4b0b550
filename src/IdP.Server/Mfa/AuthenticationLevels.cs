namespace IdP.Server.Mfa;

/// <summary>
/// IdP's authentication context classes (<c>acr</c>), from weakest to strongest, and the RFC 8176 method
/// references (<c>amr</c>) that prove them.
/// </summary>
public static class AuthenticationLevels
{
    /// <summary>Password only (an MFA-exempt user).</summary>
    public const string Password = "urn:idp:acr:pwd";

    /// <summary>Password plus a second factor (TOTP, recovery code or passkey), or a passkey with user verification.</summary>
    public const string MultiFactor = "urn:idp:acr:mfa";

    /// <summary>Phishing-resistant: a WebAuthn passkey.</summary>
    public const string PhishingResistant = "urn:idp:acr:phr";

    public static readonly IReadOnlyList<string> Ordered = [Password, MultiFactor, PhishingResistant];

    /// <summary>The rank of a level (higher is stronger), or -1 for a value IdP does not define.</summary>
    public static int Rank(string? level) => level is null ? -1 : Ordered.ToList().IndexOf(level);

    /// <summary>The level a set of methods proves.</summary>
    public static string FromMethods(IReadOnlyCollection<string> methods)
        => methods.Contains(Methods.HardwareKey) || methods.Contains(Methods.SoftwareKey) ? PhishingResistant
         : methods.Contains(Methods.MultiFactor) ? MultiFactor
         : Password;

    /// <summary>RFC 8176 §2 values.</summary>
    public static class Methods
    {
        public const string Password = "pwd";
        public const string OneTimePassword = "otp";
        public const string HardwareKey = "hwk";
        public const string SoftwareKey = "swk";
        public const string UserPresence = "user";
        public const string MultiFactor = "mfa";
    }
}
