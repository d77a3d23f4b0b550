using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Protocol;

/// <summary>How IdP presents itself. Bound from the <c>Server</c> configuration section.</summary>
public sealed class IdpServerOptions : IValidatableObject
{
    public const string SectionName = "Server";

    /// <summary>
    /// The issuer (<c>iss</c>): an absolute URL, fixed by configuration and never taken from the Host header.
    /// The mainframe gateway rejects anything else.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = "";

    /// <summary>Refuse protocol requests over plain HTTP. Only turn off for local development behind no proxy.</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>The issuer as a URI with a trailing slash. A method, so options validation never evaluates it on bad input.</summary>
    public Uri GetIssuerUri() => new(Issuer.EndsWith('/') ? Issuer : Issuer + "/", UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("Server:Issuer must be an absolute http(s) URL, e.g. https://idp.example.com/.", [nameof(Issuer)]);
        }
        else if (RequireHttps && uri.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult("Server:Issuer must use https while Server:RequireHttps is true.", [nameof(Issuer)]);
        }
        else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            yield return new ValidationResult("Server:Issuer must not have a query or fragment (OIDC Discovery §3).", [nameof(Issuer)]);
        }
    }
}
