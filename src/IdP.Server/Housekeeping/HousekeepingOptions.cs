using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Housekeeping;

/// <summary>The periodic pruning of expired protocol state. Bound from the <c>Housekeeping</c> configuration section.</summary>
public sealed class HousekeepingOptions : IValidatableObject
{
    public const string SectionName = "Housekeeping";

    /// <summary>Run the pruning in the background. Off: tables only grow (run it elsewhere, or not at all).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between two runs; the first runs shortly after start-up.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Expired, redeemed or revoked tokens and authorizations are kept this long after their creation before they
    /// are deleted, so a recent refresh-token reuse can still be detected and investigated.
    /// </summary>
    public TimeSpan TokenRetention { get; set; } = TimeSpan.FromDays(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Housekeeping:Interval must be at least 00:01:00.", [nameof(Interval)]);
        }

        if (TokenRetention < TimeSpan.Zero)
        {
            yield return new ValidationResult("Housekeeping:TokenRetention must not be negative.", [nameof(TokenRetention)]);
        }
    }
}

/// <summary>How long audit events are kept. Bound from the <c>Audit</c> configuration section.</summary>
public sealed class AuditOptions : IValidatableObject
{
    public const string SectionName = "Audit";

    /// <summary>Audit events older than this are deleted by housekeeping.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(365);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Retention < TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("Audit:Retention must be at least 1.00:00:00.", [nameof(Retention)]);
        }
    }
}
