using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Hosting.RateLimits;

/// <summary>
/// How often each endpoint group may be called, per client IP and per account, in fixed windows. Bound from the
/// <c>RateLimits</c> configuration section. A limit of 0 leaves that partition unlimited.
/// </summary>
public sealed class RateLimitsOptions : IValidatableObject
{
    public const string SectionName = "RateLimits";

    /// <summary>Off only for load tests or when a proxy in front already limits these paths.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>POST /account/login. The account is the user name typed in the form.</summary>
    // Per IP higher than per account: offices behind one NAT address sign in together.
    public RateLimitRule Login { get; set; } = new() { PermitLimitPerIp = 30, PermitLimitPerAccount = 10 };

    /// <summary>POST /account/mfa, /account/mfa/recovery, /account/passkeys/assertion. The account is the pending user.</summary>
    public RateLimitRule SecondFactor { get; set; } = new() { PermitLimitPerIp = 30, PermitLimitPerAccount = 10 };

    /// <summary>POST /connect/token. The account is the client id (client_id field or HTTP Basic user name).</summary>
    // Per client, not per IP first: many services share a gateway's address, one misbehaving client should not starve them.
    public RateLimitRule Token { get; set; } = new() { PermitLimitPerIp = 1200, PermitLimitPerAccount = 300 };

    /// <summary>/connect/verify (entering and confirming a device user code). The account is the signed-in user.</summary>
    public RateLimitRule DeviceVerification { get; set; } = new() { PermitLimitPerIp = 30, PermitLimitPerAccount = 10 };

    /// <summary>
    /// POST /zss/api/v1/certificate/dn. Per IP for every caller without a verified gateway cookie (services, strangers);
    /// the gateway, once its cookie verified, counts per account only (its identityMapperUser), unlimited by default:
    /// it calls on every request it maps, all from one address. A refusal is 503, which API ML logs as an error.
    /// </summary>
    public RateLimitRule Mapper { get; set; } = new() { PermitLimitPerIp = 600, PermitLimitPerAccount = 0 };

    public IEnumerable<RateLimitRule> Rules() => [Login, SecondFactor, Token, DeviceVerification, Mapper];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, rule) in new[] { (nameof(Login), Login), (nameof(SecondFactor), SecondFactor), (nameof(Token), Token),
                     (nameof(DeviceVerification), DeviceVerification), (nameof(Mapper), Mapper) })
        {
            if (rule.PermitLimitPerIp < 0 || rule.PermitLimitPerAccount < 0)
            {
                yield return new ValidationResult($"RateLimits:{name}: permit limits must be 0 (no limit) or more.", [name]);
            }

            if (rule.Window < TimeSpan.FromSeconds(1) || rule.Window > TimeSpan.FromHours(1))
            {
                yield return new ValidationResult($"RateLimits:{name}:Window must be between 00:00:01 and 01:00:00.", [name]);
            }
        }
    }
}

/// <summary>One endpoint group's limits: requests per <see cref="Window"/>, counted separately per IP and per account.</summary>
public sealed class RateLimitRule
{
    public int PermitLimitPerIp { get; set; }

    public int PermitLimitPerAccount { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
