using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Accounts;

/// <summary>Sign-in session and password lockout. Bound from the <c>Accounts</c> configuration section.</summary>
public sealed class AccountOptions : IValidatableObject
{
    public const string SectionName = "Accounts";

    /// <summary>How long the SSO session lasts without activity (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed password attempts before the password is locked.</summary>
    [Range(1, 100, ErrorMessage = "Accounts:LockoutThreshold must be between 1 and 100.")]
    public int LockoutThreshold { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SessionLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Accounts:SessionLifetime must be a positive duration such as 08:00:00.", [nameof(SessionLifetime)]);
        }

        if (LockoutDuration <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Accounts:LockoutDuration must be a positive duration such as 00:15:00.", [nameof(LockoutDuration)]);
        }
    }
}
