using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Mfa;

/// <summary>The second-factor policy and its parameters. Bound from the <c>Mfa</c> configuration section.</summary>
public sealed class MfaOptions : IValidatableObject
{
    public const string SectionName = "Mfa";

    /// <summary>The issuer label authenticator apps show next to the account (otpauth URI).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Mfa:TotpIssuer must not be empty.")]
    public string TotpIssuer { get; set; } = "IdP";

    /// <summary>RFC 6238 parameters for new authenticators: 6 or 8 digits.</summary>
    [AllowedValues(6, 8, ErrorMessage = "Mfa:TotpDigits must be 6 or 8.")]
    public int TotpDigits { get; set; } = 6;

    [Range(15, 120, ErrorMessage = "Mfa:TotpPeriodSeconds must be between 15 and 120.")]
    public int TotpPeriodSeconds { get; set; } = 30;

    [AllowedValues("SHA1", "SHA256", "SHA512", ErrorMessage = "Mfa:TotpAlgorithm must be SHA1, SHA256 or SHA512.")]
    public string TotpAlgorithm { get; set; } = "SHA1";

    /// <summary>
    /// A code matching only within ±this many steps (beyond the normal ±1) is not accepted: the user is asked for
    /// the next code, and two consecutive codes resynchronise the authenticator's clock drift.
    /// </summary>
    [Range(2, 100, ErrorMessage = "Mfa:TotpResyncWindowSteps must be between 2 and 100.")]
    public int TotpResyncWindowSteps { get; set; } = 10;

    /// <summary>Failed second-factor attempts before the second factor locks (apart from the password lockout).</summary>
    [Range(1, 100, ErrorMessage = "Mfa:LockoutThreshold must be between 1 and 100.")]
    public int LockoutThreshold { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    [Range(5, 20, ErrorMessage = "Mfa:RecoveryCodeCount must be between 5 and 20.")]
    public int RecoveryCodeCount { get; set; } = 10;

    /// <summary>
    /// A new account's (or a reset account's) first second factor can be set up only with the activation code the
    /// administrator was given (<c>users add</c>, <c>users reset-mfa</c>, <c>users activation</c>). False: the password
    /// suffices to set it up, and the session that does so does not count as multi-factor.
    /// </summary>
    public bool RequireActivation { get; set; } = true;

    /// <summary>How long an activation code is valid.</summary>
    public TimeSpan ActivationLifetime { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// Audiences of the mainframe gateway: tokens for them always require a second factor, and a client whose
    /// scopes reach one cannot be registered with the <c>none</c> MFA policy. Null means <c>["zowe-gateway"]</c>.
    /// </summary>
    /// <remarks>Note: an array defaulting to null, because configuration binding appends to a pre-filled list.</remarks>
    public string[]? GatewayAudiences { get; set; }

    public IReadOnlyList<string> EffectiveGatewayAudiences() => GatewayAudiences is { Length: > 0 } audiences ? audiences : ["zowe-gateway"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LockoutDuration <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Mfa:LockoutDuration must be a positive duration such as 00:15:00.", [nameof(LockoutDuration)]);
        }

        if (ActivationLifetime <= TimeSpan.Zero || ActivationLifetime > TimeSpan.FromDays(30))
        {
            yield return new ValidationResult("Mfa:ActivationLifetime must be a duration between 00:00:01 and 30.00:00:00, such as 3.00:00:00.", [nameof(ActivationLifetime)]);
        }
    }
}
