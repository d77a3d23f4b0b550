using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>WebAuthn §8.2.1: what a packed attestation certificate must look like.</summary>
internal static class AttestationCertificateRequirements
{
    /// <summary>id-fido-gen-ce-aaguid: the authenticator model, in certificates shared by several models.</summary>
    public const string AaguidExtensionOid = "1.3.6.1.4.1.45724.1.1.4";

    private const string CountryOid = "2.5.4.6";
    private const string OrganizationOid = "2.5.4.10";
    private const string OrganizationalUnitOid = "2.5.4.11";
    private const string CommonNameOid = "2.5.4.3";
    private const string RequiredOrganizationalUnit = "Authenticator Attestation";

    /// <summary>Throws a <see cref="PasskeyException"/> naming the first requirement <paramref name="certificate"/> fails.</summary>
    public static void Check(X509Certificate2 certificate, ReadOnlySpan<byte> aaguid)
    {
        // §8.2.1: "Version MUST be set to 3".
        if (certificate.Version != 3)
        {
            throw Refused($"is X.509 version {certificate.Version}, not 3");
        }

        CheckSubject(certificate.SubjectName);

        // §8.2.1: "The Basic Constraints extension MUST have the CA component set to false."
        var basicConstraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault();
        if (basicConstraints is null || basicConstraints.CertificateAuthority)
        {
            throw Refused("is not marked CA=false in its basic constraints");
        }

        // §8.2 step 2: "If attestnCert contains an extension with OID 1.3.6.1.4.1.45724.1.1.4 (id-fido-gen-ce-aaguid)
        // verify that the value of this extension matches the aaguid in authenticatorData."
        if (certificate.Extensions[AaguidExtensionOid] is { } extension)
        {
            // §8.2.1: the extension "MUST NOT be marked as critical".
            if (extension.Critical)
            {
                throw Refused("marks its AAGUID extension critical");
            }

            if (!CryptographicOperations.FixedTimeEquals(ReadAaguid(extension), aaguid))
            {
                throw Refused("names another authenticator model (AAGUID) than the authenticator data");
            }
        }
    }

    private static void CheckSubject(X500DistinguishedName subject)
    {
        // §8.2.1: Subject-C (ISO 3166 code), Subject-O (vendor), Subject-OU = "Authenticator Attestation", Subject-CN.
        var attributes = subject.EnumerateRelativeDistinguishedNames()
            .Where(rdn => !rdn.HasMultipleElements)
            .Select(rdn => (Oid: rdn.GetSingleElementType().Value, Value: rdn.GetSingleElementValue()))
            .ToList();

        string? Single(string oid) => attributes.Where(a => a.Oid == oid).Select(a => a.Value).SingleOrDefault();

        if (Single(OrganizationalUnitOid) != RequiredOrganizationalUnit)
        {
            throw Refused($"has subject OU '{Single(OrganizationalUnitOid)}', not '{RequiredOrganizationalUnit}'");
        }

        if (Single(CountryOid) is not { Length: 2 } || string.IsNullOrEmpty(Single(OrganizationOid)) || string.IsNullOrEmpty(Single(CommonNameOid)))
        {
            throw Refused("lacks a subject C (two letters), O or CN");
        }
    }

    /// <summary>The extension's value is an OCTET STRING holding the 16-byte AAGUID.</summary>
    private static byte[] ReadAaguid(X509Extension extension)
    {
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var aaguid = reader.ReadOctetString();
            reader.ThrowIfNotEmpty();
            return aaguid.Length == 16 ? aaguid : throw Refused("has an AAGUID extension that is not 16 bytes");
        }
        catch (AsnContentException ex)
        {
            throw new PasskeyException($"The attestation certificate's AAGUID extension is not DER: {ex.Message}", ex);
        }
    }

    private static PasskeyException Refused(string problem) => new($"The attestation certificate {problem} (WebAuthn §8.2.1).");
}
