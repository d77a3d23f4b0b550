using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// The attestation policy for <see cref="PasskeyAttestationMode.Required"/>, plugged into
/// <see cref="IdentityPasskeyOptions.VerifyAttestationStatement"/>: the statement must be <c>packed</c> with an
/// x5c chain (WebAuthn §8.2) that builds to one of the configured roots. Every refusal is a
/// <see cref="PasskeyException"/> whose message says why; Identity returns it as the registration's failure.
/// </summary>
public sealed class PackedAttestationVerifier(PasskeyAttestationTrust trust, TimeProvider time)
{
    public ValueTask<bool> VerifyAsync(PasskeyAttestationStatementVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Verify(context.AttestationObject, context.ClientDataHash.Span);
        return ValueTask.FromResult(true);
    }

    /// <summary>Throws a <see cref="PasskeyException"/> unless the attestation satisfies the policy.</summary>
    public void Verify(ReadOnlyMemory<byte> attestationObject, ReadOnlySpan<byte> clientDataHash)
    {
        var attestation = WebAuthnAttestationObject.Parse(attestationObject);

        // WebAuthn §7.1 step 21-22: the format decides the verification procedure; we trust only packed.
        if (attestation.Format != "packed")
        {
            throw new PasskeyException(
                $"The passkey's attestation format is '{attestation.Format}'; Mfa:Passkeys:Attestation is Required and accepts only 'packed' attestation with a certificate chain.");
        }

        var statement = PackedAttestationStatement.Parse(attestation.Statement);

        // §8.2 step 3 (self attestation): the credential key signs its own statement, which proves nothing about the
        // authenticator, so it cannot satisfy a trust policy (§7.1 step 24).
        if (statement.IsSelfAttestation)
        {
            throw new PasskeyException(
                "The passkey uses self attestation (packed without x5c); Mfa:Passkeys:Attestation is Required and accepts only attestation certificates that chain to a trusted root.");
        }

        var aaguid = attestation.AuthenticatorData.Aaguid
            ?? throw new PasskeyException("The attestation's authenticator data carries no attested credential.");

        var certificates = new List<X509Certificate2>();
        try
        {
            certificates.AddRange(statement.Certificates.Select(LoadCertificate));
            var leaf = certificates[0];

            // §8.2 step 2: sig is attestnCert's signature, with alg, over authenticatorData || clientDataHash.
            byte[] signed = [.. attestation.RawAuthenticatorData, .. clientDataHash];
            if (!AttestationSignature.Verify(leaf, statement.Algorithm, signed, statement.Signature))
            {
                throw new PasskeyException("The packed attestation signature is invalid (WebAuthn §8.2 step 2).");
            }

            // §8.2 step 2: attestnCert meets §8.2.1, and its AAGUID extension (if any) matches authenticatorData.
            AttestationCertificateRequirements.Check(leaf, aaguid);

            // §7.1 step 24: the trust path must lead to an acceptable root.
            VerifyChain(leaf, certificates.Skip(1));

            if (!trust.IsAllowedAaguid(aaguid))
            {
                throw new PasskeyException(
                    $"The authenticator model (AAGUID {new Guid(aaguid, bigEndian: true)}) is not in Mfa:Passkeys:AllowedAaguids.");
            }
        }
        finally
        {
            certificates.ForEach(c => c.Dispose());
        }
    }

    private void VerifyChain(X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());

        // Attestation CAs publish no reachable revocation data for an offline IdP; the root list is the control.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;

        if (!chain.Build(leaf))
        {
            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            throw new PasskeyException(
                $"The attestation certificate does not chain to a root in Mfa:Passkeys trusted roots: {string.Join("; ", reasons)}");
        }
    }

    private static X509Certificate2 LoadCertificate(byte[] der)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException ex)
        {
            throw new PasskeyException($"An x5c entry of the attestation statement is not an X.509 certificate: {ex.Message}", ex);
        }
    }
}
