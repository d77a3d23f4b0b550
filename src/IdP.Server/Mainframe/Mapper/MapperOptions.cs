using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// The ZSS-compatible identity mapper (<c>POST /zss/api/v1/certificate/dn</c>) that API ML calls with
/// <c>useInternalMapper: false</c>. Bound from <c>Mainframe:Mapper</c>.
/// </summary>
/// <remarks>Note: arrays default to null, because configuration binding appends to a pre-filled list.</remarks>
public sealed class MapperOptions : IValidatableObject
{
    public const string SectionName = "Mainframe:Mapper";

    /// <summary>Whether the endpoint is mapped at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The gateway's public keys, e.g. <c>https://gateway:7554/gateway/api/v1/auth/keys/public/all</c> (a JWKS): their
    /// RSA keys, except IdP's own, verify the <c>apimlAuthenticationToken</c> cookie the gateway sends. Empty: gateway
    /// callers are refused.
    /// </summary>
    public string[] GatewayJwksUrls { get; set; } = [];

    /// <summary>Who the gateway's cookie JWT may be for (its <c>sub</c>: API ML's <c>identityMapperUser</c>). Null means <c>["ZWESVUSR"]</c>.</summary>
    public string[]? AllowedGatewaySubjects { get; set; }

    /// <summary>The <c>iss</c> values of the gateway's cookie JWT. API ML mints <c>APIML</c>, or <c>zOSMF</c> when z/OSMF is its provider. Null means both.</summary>
    public string[]? GatewayIssuers { get; set; }

    /// <summary>The scope a client-credentials access token from IdP needs to call the mapper.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Mainframe:Mapper:MappingScope must not be empty.")]
    public string MappingScope { get; set; } = "mapping";

    /// <summary>How often the gateway's keys are fetched again. A cookie no key verifies also triggers one early fetch.</summary>
    public TimeSpan GatewayKeysRefresh { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a lookup result (mapped or not) is kept in memory. A mapping change drops it sooner.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the mapping change stamp is read; zero reads it on every request.</summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> EffectiveGatewaySubjects() => AllowedGatewaySubjects is { Length: > 0 } subjects ? subjects : ["ZWESVUSR"];

    public IReadOnlyList<string> EffectiveGatewayIssuers() => GatewayIssuers is { Length: > 0 } issuers ? issuers : ["APIML", "zOSMF"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var url in GatewayJwksUrls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                yield return new ValidationResult($"Mainframe:Mapper:GatewayJwksUrls: '{url}' is not an absolute http(s) URL.", [nameof(GatewayJwksUrls)]);
            }
        }

        if (GatewayKeysRefresh < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Mainframe:Mapper:GatewayKeysRefresh must be at least 00:00:01.", [nameof(GatewayKeysRefresh)]);
        }

        if (CacheDuration < TimeSpan.Zero || ChangePollInterval < TimeSpan.Zero)
        {
            yield return new ValidationResult("Mainframe:Mapper:CacheDuration and ChangePollInterval cannot be negative.", [nameof(CacheDuration)]);
        }

        if (ChangePollInterval > CacheDuration && CacheDuration > TimeSpan.Zero)
        {
            yield return new ValidationResult("Mainframe:Mapper:ChangePollInterval cannot exceed CacheDuration.", [nameof(ChangePollInterval)]);
        }
    }
}
