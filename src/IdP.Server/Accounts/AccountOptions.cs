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

    /// <summary>How long after a right password the second factor may be given; after that the password is asked again.</summary>
    public TimeSpan SecondFactorTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a session re-reads its account (Identity's security-stamp check): a disabled account, a new password
    /// or a reset second factor ends the account's sessions within this. Zero: on every request, one read each.
    /// </summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sensitive changes on the account page (removing a factor, new recovery codes) need a sign-in this recent.</summary>
    public TimeSpan SensitiveActionMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Password checks that may run at once (each is about 50-100 ms of a core); more wait their turn. 0: one per
    /// processor the server may use.
    /// </summary>
    [Range(0, 1024, ErrorMessage = "Accounts:ConcurrentPasswordChecks must be between 0 (one per processor) and 1024.")]
    public int ConcurrentPasswordChecks { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SessionLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Accounts:SessionLifetime must be a positive duration such as 08:00:00.", [nameof(SessionLifetime)]);
        }

        if (SensitiveActionMaxAge <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Accounts:SensitiveActionMaxAge must be a positive duration such as 00:05:00.", [nameof(SensitiveActionMaxAge)]);
        }

        if (SecondFactorTimeout <= TimeSpan.Zero || SecondFactorTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Accounts:SecondFactorTimeout must be more than zero and at most 01:00:00.", [nameof(SecondFactorTimeout)]);
        }

        if (SessionCheckInterval < TimeSpan.Zero || SessionCheckInterval > SessionLifetime)
        {
            yield return new ValidationResult("Accounts:SessionCheckInterval must be between 00:00:00 (every request) and Accounts:SessionLifetime.", [nameof(SessionCheckInterval)]);
        }

        if (LockoutDuration <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Accounts:LockoutDuration must be a positive duration such as 00:15:00.", [nameof(LockoutDuration)]);
        }
    }
}
