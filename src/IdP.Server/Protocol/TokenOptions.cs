using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Protocol;

/// <summary>Token lifetimes and shape. Bound from the <c>Tokens</c> configuration section.</summary>
public sealed class TokenOptions : IValidatableObject
{
    public const string SectionName = "Tokens";

    /// <summary>Access tokens are JWTs the gateway checks with zero clock skew: keep them short.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Refresh tokens slide: each use issues a new one with this lifetime.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>RFC 9700 §4.14.2: a redeemed refresh token reused after this leeway revokes the whole chain.</summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The <c>aud</c> of access tokens whose scopes name no API resource (RFC 9068 §2.2 requires one).
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Tokens:DefaultAudience must not be empty.")]
    public string DefaultAudience { get; set; } = "idp";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(AccessTokenLifetime), AccessTokenLifetime),
            (nameof(IdentityTokenLifetime), IdentityTokenLifetime),
            (nameof(RefreshTokenLifetime), RefreshTokenLifetime),
            (nameof(AuthorizationCodeLifetime), AuthorizationCodeLifetime),
            (nameof(DeviceCodeLifetime), DeviceCodeLifetime),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Tokens:{name} must be a positive duration such as 00:10:00.", [name]);
            }
        }

        if (RefreshTokenReuseLeeway < TimeSpan.Zero || RefreshTokenReuseLeeway > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Tokens:RefreshTokenReuseLeeway must be between 00:00:00 and 00:05:00.", [nameof(RefreshTokenReuseLeeway)]);
        }
    }
}
