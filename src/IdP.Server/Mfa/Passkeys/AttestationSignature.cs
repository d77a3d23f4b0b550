using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>Checks an attestation signature with an attestation certificate's public key.</summary>
internal static class AttestationSignature
{
    private const int MinimumRsaKeySize = 2048;

    /// <summary>
    /// Whether <paramref name="signature"/> is <paramref name="certificate"/>'s signature over <paramref name="data"/>
    /// with the COSE algorithm <paramref name="algorithm"/>. Throws if the algorithm is not ours or does not fit the key.
    /// </summary>
    public static bool Verify(X509Certificate2 certificate, int algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        switch (algorithm)
        {
            case PasskeyAlgorithms.ES256:
                return VerifyEcdsa(certificate, algorithm, 256, HashAlgorithmName.SHA256, data, signature);
            case PasskeyAlgorithms.ES384:
                return VerifyEcdsa(certificate, algorithm, 384, HashAlgorithmName.SHA384, data, signature);
            case PasskeyAlgorithms.ES512:
                return VerifyEcdsa(certificate, algorithm, 521, HashAlgorithmName.SHA512, data, signature);
            case PasskeyAlgorithms.RS256:
                return VerifyRsa(certificate, algorithm, RSASignaturePadding.Pkcs1, data, signature);
            case PasskeyAlgorithms.PS256:
                return VerifyRsa(certificate, algorithm, RSASignaturePadding.Pss, data, signature);
            default:
                throw new PasskeyException(
                    $"The attestation statement is signed with {PasskeyAlgorithms.Name(algorithm)}; IdP accepts {PasskeyAlgorithms.AllowedNames}.");
        }
    }

    private static bool VerifyEcdsa(X509Certificate2 certificate, int algorithm, int keySize, HashAlgorithmName hash, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var key = certificate.GetECDsaPublicKey() ?? throw KeyMismatch(algorithm, "an EC key");

        // RFC 9053 §2.1 / WebAuthn §5.8.5: ES256 goes with P-256, ES384 with P-384, ES512 with P-521.
        if (key.KeySize != keySize)
        {
            throw KeyMismatch(algorithm, $"a {keySize}-bit curve");
        }

        // WebAuthn §6.5.5: ECDSA attestation signatures are ASN.1 DER (RFC 3279), not IEEE P1363.
        return key.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static bool VerifyRsa(X509Certificate2 certificate, int algorithm, RSASignaturePadding padding, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var key = certificate.GetRSAPublicKey() ?? throw KeyMismatch(algorithm, "an RSA key");
        if (key.KeySize < MinimumRsaKeySize)
        {
            throw KeyMismatch(algorithm, $"an RSA key of at least {MinimumRsaKeySize} bits");
        }

        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, padding);
    }

    private static PasskeyException KeyMismatch(int algorithm, string expected)
        => new($"The attestation statement's alg {PasskeyAlgorithms.Name(algorithm)} does not match the attestation certificate's key, which is not {expected}.");
}
