using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>What IdP demands of a passkey's attestation statement when it is registered.</summary>
public enum PasskeyAttestationMode
{
    /// <summary>Any attestation format is accepted and its statement is not verified (Identity's default).</summary>
    None,

    /// <summary>
    /// Only <c>packed</c> attestation with a certificate chain to one of the configured trusted roots. Self
    /// attestation and <c>none</c> are refused.
    /// </summary>
    Required,
}

/// <summary>Passkeys (WebAuthn). Bound from the <c>Mfa:Passkeys</c> configuration section.</summary>
public sealed class PasskeyOptions : IValidatableObject
{
    public const string SectionName = "Mfa:Passkeys";

    /// <summary>The relying party ID passkeys are bound to. Empty: the host of <c>Server:Issuer</c>.</summary>
    public string? ServerDomain { get; set; }

    /// <summary>Origins (scheme, host, port) whose pages may run a passkey ceremony. Empty: the origin of <c>Server:Issuer</c>.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public PasskeyAttestationMode Attestation { get; set; } = PasskeyAttestationMode.None;

    /// <summary>With <see cref="PasskeyAttestationMode.Required"/>: PEM files holding trusted attestation root certificates.</summary>
    public List<string> TrustedRootCertificateFiles { get; set; } = [];

    /// <summary>With <see cref="PasskeyAttestationMode.Required"/>: trusted attestation root certificates, base64 DER.</summary>
    public List<string> TrustedRootCertificates { get; set; } = [];

    /// <summary>With <see cref="PasskeyAttestationMode.Required"/>: the authenticator models (AAGUIDs) accepted. Empty: any.</summary>
    public List<string> AllowedAaguids { get; set; } = [];

    /// <summary>WebAuthn user verification (PIN or biometrics on the authenticator): required, preferred or discouraged.</summary>
    [AllowedValues("required", "preferred", "discouraged", ErrorMessage = "Mfa:Passkeys:UserVerification must be required, preferred or discouraged.")]
    public string UserVerification { get; set; } = "required";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var errors = new List<string>();

        // ServerDomain and AllowedOrigins depend on Server:Issuer: PasskeyRelyingPartyValidator checks them.

        // Certificates and AAGUIDs are loaded here too, so a bad file or value stops start-up rather than a registration.
        var trust = PasskeyAttestationTrust.TryLoad(this, errors);
        if (Attestation == PasskeyAttestationMode.Required && trust.Roots.Count == 0)
        {
            errors.Add("Mfa:Passkeys:Attestation is Required but no trusted root is configured: set Mfa:Passkeys:TrustedRootCertificateFiles or Mfa:Passkeys:TrustedRootCertificates.");
        }

        if (Attestation == PasskeyAttestationMode.None && AllowedAaguids.Count > 0)
        {
            // Without a verified attestation the AAGUID is only the authenticator's own claim.
            errors.Add("Mfa:Passkeys:AllowedAaguids needs Mfa:Passkeys:Attestation = Required: an unattested AAGUID proves nothing.");
        }

        trust.Dispose();
        return errors.Select(error => new ValidationResult(error));
    }
}
