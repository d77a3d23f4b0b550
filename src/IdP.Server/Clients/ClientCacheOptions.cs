using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Clients;

/// <summary>
/// The in-memory cache of clients and scopes that the token endpoint reads instead of the database. Bound from
/// <c>ClientCache</c>. See docs/client-authentication.md.
/// </summary>
public sealed class ClientCacheOptions : IValidatableObject
{
    public const string SectionName = "ClientCache";

    /// <summary>Off: every request reads clients and scopes from the database (OpenIddict's per-request cache only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often an instance reads the client change stamp: a change made on another instance or by the command line
    /// takes effect here within this interval. Zero reads it on every request (one primary-key read per request).
    /// </summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cache is reloaded at least this often even when the stamp has not moved (a safety net).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A deleted client or a rotated secret must stop working everywhere within a short, known time.
        if (ChangePollInterval < TimeSpan.Zero || ChangePollInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("ClientCache:ChangePollInterval must be between 00:00:00 and 00:01:00.", [nameof(ChangePollInterval)]);
        }

        if (MaxAge < TimeSpan.FromSeconds(1) || MaxAge < ChangePollInterval)
        {
            yield return new ValidationResult("ClientCache:MaxAge must be at least 00:00:01 and at least ChangePollInterval.", [nameof(MaxAge)]);
        }
    }
}
