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
    [Required(AllowEmptyStrings = false, ErrorMessage = "Server:Issuer is not set: give the public URL IdP is reached at, e.g. https://idp.example.com/.")]
    public string Issuer { get; set; } = "";

    /// <summary>Refuse protocol requests over plain HTTP. Only turn off for local development behind no proxy.</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>
    /// The HSTS max-age sent on HTTPS responses (RFC 6797 §6.1.1): how long browsers reach this host over HTTPS only.
    /// Zero tells browsers to forget the rule.
    /// </summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Reverse proxies (IP addresses) whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty (the default):
    /// none, so a client cannot pick the IP the rate limits and the audit log see by sending the header itself.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) of trusted reverse proxies, as <see cref="KnownProxies"/>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>
    /// Once started, return the memory start-up used to the operating system with one full garbage collection
    /// (<see cref="Hosting.StartupMemoryRelease"/>). Off: the pages stay until load makes the GC run.
    /// </summary>
    public bool ReleaseStartupMemory { get; set; } = true;

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

        if (HstsMaxAge < TimeSpan.Zero)
        {
            yield return new ValidationResult("Server:HstsMaxAge must not be negative (365.00:00:00 by default).", [nameof(HstsMaxAge)]);
        }

        foreach (var proxy in KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Server:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"Server:KnownNetworks: '{network}' is not a CIDR network such as 10.0.0.0/8.", [nameof(KnownNetworks)]);
        }
    }
}
