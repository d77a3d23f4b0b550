using IdP.Server.Mfa.Passkeys;
using Microsoft.AspNetCore.Identity;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>WebAuthn §8.2 / §8.2.1 rules on the attestation certificate, one broken rule per synthetic certificate.</summary>
public sealed class PackedAttestationVerifierTests : IDisposable
{
    private readonly TestAttestationCa _ca = new();
    private readonly SyntheticAuthenticator _authenticator = new();

    private PackedAttestationVerifier Verifier(params string[] allowedAaguids)
    {
        var trust = PasskeyAttestationTrust.Load(new PasskeyOptions
        {
            Attestation = PasskeyAttestationMode.Required,
            TrustedRootCertificates = [_ca.Base64Der],
            AllowedAaguids = [.. allowedAaguids],
        });
        return new PackedAttestationVerifier(trust, TimeProvider.System);
    }

    private void Verify(AttestationCertificate certificate, PackedAttestationVerifier? verifier = null)
    {
        var (attestationObject, clientDataHash) = _authenticator.Attest(certificate);
        (verifier ?? Verifier()).Verify(attestationObject, clientDataHash);
    }

    [Fact]
    public void a_conformant_attestation_certificate_from_the_trusted_ca_verifies()
    {
        using var certificate = _ca.Issue(aaguidExtension: _authenticator.Aaguid);

        Verify(certificate); // no exception
    }

    [Fact]
    public void an_organizational_unit_other_than_authenticator_attestation_is_refused()
    {
        using var certificate = _ca.Issue(subject: "CN=Test authenticator, O=IdP tests, OU=Something else, C=AA");

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("OU 'Something else'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_subject_without_country_is_refused()
    {
        using var certificate = _ca.Issue(subject: "CN=Test authenticator, O=IdP tests, OU=Authenticator Attestation");

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("subject C", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_attestation_certificate_that_is_a_ca_is_refused()
    {
        using var certificate = _ca.Issue(isCertificateAuthority: true);

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("CA=false", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_aaguid_extension_naming_another_model_is_refused()
    {
        using var certificate = _ca.Issue(aaguidExtension: Guid.NewGuid().ToByteArray());

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("another authenticator model", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_critical_aaguid_extension_is_refused()
    {
        using var certificate = _ca.Issue(aaguidExtension: _authenticator.Aaguid, aaguidExtensionCritical: true);

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("critical", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_statement_alg_that_does_not_fit_the_certificate_key_is_refused()
    {
        using var certificate = _ca.Issue(statementAlgorithm: PasskeyAlgorithms.ES384);

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("alg ES384 does not match", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_certificate_from_an_untrusted_ca_is_refused()
    {
        using var otherCa = new TestAttestationCa("Somebody else's CA");
        using var certificate = otherCa.Issue();

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate));

        Assert.Contains("does not chain to a root", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_expired_attestation_certificate_is_refused()
    {
        using var certificate = _ca.Issue();
        var inTwoYears = new TestClock();
        inTwoYears.Advance(TimeSpan.FromDays(2 * 365));
        var trust = PasskeyAttestationTrust.Load(new PasskeyOptions { TrustedRootCertificates = [_ca.Base64Der] });

        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate, new PackedAttestationVerifier(trust, inTwoYears)));

        Assert.Contains("does not chain to a root", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_aaguid_allow_list_admits_only_listed_models()
    {
        using var certificate = _ca.Issue();

        Verify(certificate, Verifier(Convert.ToHexString(_authenticator.Aaguid)));
        var failure = Assert.Throws<PasskeyException>(() => Verify(certificate, Verifier("00000000-0000-0000-0000-000000000001")));

        Assert.Contains("AllowedAaguids", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _authenticator.Dispose();
    }
}
