using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Asn1;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>
/// A software authenticator for the cases no W3C vector covers: a chosen sign count, attestation certificates that
/// break one WebAuthn §8.2.1 rule each. ES256 credential, RP <c>example.org</c>.
/// </summary>
public sealed class SyntheticAuthenticator : IDisposable
{
    private const byte UserPresent = 0x01;
    private const byte UserVerified = 0x04;
    private const byte AttestedCredentialData = 0x40;

    private readonly ECDsa _credentialKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(32);

    public byte[] Aaguid { get; init; } = RandomNumberGenerator.GetBytes(16);

    public sealed record Registration(byte[] Challenge, byte[] CredentialId, byte[] ClientDataJson, byte[] AttestationObject);

    public sealed record Assertion(byte[] Challenge, byte[] ClientDataJson, byte[] AuthenticatorData, byte[] Signature);

    /// <summary>A registration with <c>none</c> attestation, or <c>packed</c> signed by <paramref name="attestation"/>.</summary>
    public Registration Register(AttestationCertificate? attestation = null)
    {
        var challenge = RandomNumberGenerator.GetBytes(32);
        var clientDataJson = ClientData("webauthn.create", challenge);
        var authenticatorData = AuthenticatorData(UserPresent | UserVerified | AttestedCredentialData, signCount: 0, AttestedCredential());
        return new Registration(challenge, CredentialId, clientDataJson, attestation is null
            ? AttestationObject("none", EmptyStatement, authenticatorData)
            : attestation.AttestationObject(authenticatorData, SHA256.HashData(clientDataJson)));
    }

    /// <summary>The attestation object alone, for <see cref="IdP.Server.Mfa.Passkeys.PackedAttestationVerifier"/>.</summary>
    public (byte[] AttestationObject, byte[] ClientDataHash) Attest(AttestationCertificate attestation)
    {
        var clientDataHash = RandomNumberGenerator.GetBytes(32);
        var authenticatorData = AuthenticatorData(UserPresent | AttestedCredentialData, signCount: 0, AttestedCredential());
        return (attestation.AttestationObject(authenticatorData, clientDataHash), clientDataHash);
    }

    public Assertion Assert(uint signCount)
    {
        var challenge = RandomNumberGenerator.GetBytes(32);
        var clientDataJson = ClientData("webauthn.get", challenge);
        var authenticatorData = AuthenticatorData(UserPresent | UserVerified, signCount, []);
        var signature = _credentialKey.SignData([.. authenticatorData, .. SHA256.HashData(clientDataJson)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new Assertion(challenge, clientDataJson, authenticatorData, signature);
    }

    internal static byte[] AttestationObject(string format, Action<CborWriter> writeStatement, byte[] authenticatorData)
    {
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(3);
        writer.WriteTextString("fmt");
        writer.WriteTextString(format);
        writer.WriteTextString("attStmt");
        writeStatement(writer);
        writer.WriteTextString("authData");
        writer.WriteByteString(authenticatorData);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static void EmptyStatement(CborWriter writer)
    {
        writer.WriteStartMap(0);
        writer.WriteEndMap();
    }

    private static byte[] ClientData(string type, byte[] challenge)
        => Encoding.UTF8.GetBytes($$"""{"type":"{{type}}","challenge":"{{Base64Url.EncodeToString(challenge)}}","origin":"{{W3cTestVectors.Origin}}","crossOrigin":false}""");

    private static byte[] AuthenticatorData(byte flags, uint signCount, byte[] attestedCredential)
    {
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, signCount);
        return [.. SHA256.HashData(Encoding.UTF8.GetBytes(W3cTestVectors.RpId)), flags, .. counter, .. attestedCredential];
    }

    private byte[] AttestedCredential()
    {
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)CredentialId.Length);
        var point = _credentialKey.ExportParameters(false).Q;
        var key = new CborWriter(CborConformanceMode.Ctap2Canonical);
        key.WriteStartMap(5);
        key.WriteInt32(1); key.WriteInt32(2);   // kty: EC2
        key.WriteInt32(3); key.WriteInt32(-7);  // alg: ES256
        key.WriteInt32(-1); key.WriteInt32(1);  // crv: P-256
        key.WriteInt32(-2); key.WriteByteString(point.X!);
        key.WriteInt32(-3); key.WriteByteString(point.Y!);
        key.WriteEndMap();
        return [.. Aaguid, .. length, .. CredentialId, .. key.Encode()];
    }

    public void Dispose() => _credentialKey.Dispose();
}

/// <summary>An attestation CA issuing attestation certificates, each one shaped as a test needs.</summary>
public sealed class TestAttestationCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestAttestationCa(string name = "IdP test attestation CA")
    {
        var request = new CertificateRequest($"CN={name}, O=IdP tests, OU=Authenticator Attestation CA, C=AA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
    }

    public X509Certificate2 Certificate { get; }

    public string Base64Der => Convert.ToBase64String(Certificate.RawData);

    /// <summary>An ES256 attestation certificate: §8.2.1-conformant unless told otherwise.</summary>
    public AttestationCertificate Issue(
        string subject = "CN=Test authenticator, O=IdP tests, OU=Authenticator Attestation, C=AA",
        bool isCertificateAuthority = false,
        byte[]? aaguidExtension = null,
        bool aaguidExtensionCritical = false,
        int statementAlgorithm = -7)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCertificateAuthority, false, 0, true));
        if (aaguidExtension is not null)
        {
            var value = new AsnWriter(AsnEncodingRules.DER);
            value.WriteOctetString(aaguidExtension);
            request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.45724.1.1.4", value.Encode(), aaguidExtensionCritical));
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive INTEGER
        using var certificate = request.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), serial);
        return new AttestationCertificate(certificate.CopyWithPrivateKey(key), key) { StatementAlgorithm = statementAlgorithm };
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}

/// <summary>An attestation certificate with its key: signs packed attestation statements.</summary>
public sealed class AttestationCertificate(X509Certificate2 certificate, ECDsa key) : IDisposable
{
    /// <summary>The COSE alg written into the statement; ES256 fits the key, anything else is a lie.</summary>
    public int StatementAlgorithm { get; init; } = -7;

    public byte[] AttestationObject(byte[] authenticatorData, byte[] clientDataHash)
    {
        var signature = key.SignData([.. authenticatorData, .. clientDataHash], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return SyntheticAuthenticator.AttestationObject("packed", writer =>
        {
            writer.WriteStartMap(3);
            writer.WriteTextString("alg");
            writer.WriteInt32(StatementAlgorithm);
            writer.WriteTextString("sig");
            writer.WriteByteString(signature);
            writer.WriteTextString("x5c");
            writer.WriteStartArray(1);
            writer.WriteByteString(certificate.RawData);
            writer.WriteEndArray();
            writer.WriteEndMap();
        }, authenticatorData);
    }

    public void Dispose()
    {
        certificate.Dispose();
        key.Dispose();
    }
}
