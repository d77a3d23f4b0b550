namespace IdP.Server.Accounts;

/// <summary>Sign-in session and password lockout. Bound from the <c>Accounts</c> configuration section.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Accounts";

    /// <summary>How long the SSO session lasts without activity (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed password attempts before the password is locked.</summary>
    public int LockoutThreshold { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}
