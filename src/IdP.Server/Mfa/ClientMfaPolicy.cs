using System.Collections.Immutable;

namespace IdP.Server.Mfa;

/// <summary>What a client demands of the user's authentication, stored in the client's OpenIddict settings.</summary>
public static class ClientMfaPolicy
{
    public const string SettingName = "urn:idp:settings:mfa_policy";

    /// <summary>Password plus a second factor (the default).</summary>
    public const string MultiFactor = "mfa";

    /// <summary>A passkey only: phishing-resistant.</summary>
    public const string PhishingResistant = "phishing_resistant";

    /// <summary>The password suffices; never for a client whose scopes reach a gateway audience.</summary>
    public const string None = "none";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { MultiFactor, PhishingResistant, None };

    public static string Of(ImmutableDictionary<string, string> settings)
        => settings.TryGetValue(SettingName, out var policy) && All.Contains(policy) ? policy : MultiFactor;

    /// <summary>The authentication level (acr) the policy requires.</summary>
    public static string RequiredLevel(string policy) => policy switch
    {
        PhishingResistant => AuthenticationLevels.PhishingResistant,
        None => AuthenticationLevels.Password,
        _ => AuthenticationLevels.MultiFactor,
    };
}
