using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Mainframe;

/// <summary>How IdP exposes mainframe identities in tokens. Bound from the <c>Mainframe</c> configuration section.</summary>
public sealed class MainframeOptions : IValidatableObject
{
    public const string SectionName = "Mainframe";

    /// <summary>The scope that asks for the mapped user ID in the access token.</summary>
    public const string Scope = "mainframe";

    /// <summary>The access-token claim carrying the mapped mainframe user ID.</summary>
    public const string UserIdClaim = "mainframe_userid";

    /// <summary>
    /// The registry whose mapping goes into access tokens granted the <c>mainframe</c> scope, for resource servers
    /// that trust IdP directly. Null (the default): the claim is never issued. The gateway does not need it: it
    /// maps <c>sub</c> itself.
    /// </summary>
    public string? TokenClaimRegistry { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenClaimRegistry is not null && !MainframeNames.IsValidRegistry(TokenClaimRegistry))
        {
            yield return new ValidationResult("Mainframe:TokenClaimRegistry must be a non-blank registry name of at most 255 bytes.", [nameof(TokenClaimRegistry)]);
        }
    }
}
