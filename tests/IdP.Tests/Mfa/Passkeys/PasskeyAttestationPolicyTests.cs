using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>
/// Mfa:Passkeys:Attestation = Required, with the W3C vectors' attestation CA as the trusted root: only packed
/// attestation whose x5c chain leads there registers.
/// </summary>
public sealed class PasskeyAttestationPolicyTests
{
    public static TheoryData<string> PackedWithCertificateChain => ["packed-es256", "packed-es384", "packed-es512", "packed-rs256"];

    private static Dictionary<string, string?> Required(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:Attestation"] = "required",
            ["Mfa:Passkeys:TrustedRootCertificates:0"] = Convert.ToBase64String(W3cTestVectors.AttestationRootCertificate()),
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Theory]
    [MemberData(nameof(PackedWithCertificateChain))]
    public async Task the_w3c_packed_registration_verifies_to_the_configured_root(string section)
    {
        var vector = W3cTestVectors.Load(section);
        await using var pipeline = await PasskeyPipeline.StartAsync(Required());

        var registration = await pipeline.RegisterAsync(vector.Registration);

        Assert.True(registration.Succeeded, registration.Failure?.Message);
        await pipeline.StoreAsync(registration.Passkey);
        var signIn = await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId);
        Assert.True(signIn.Succeeded, signIn.Failure?.Message);
    }

    [Fact]
    public async Task the_w3c_packed_es384_registration_verifies_to_a_root_read_from_a_pem_file()
    {
        var pem = Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N") + ".pem");
        Directory.CreateDirectory(Path.GetDirectoryName(pem)!);
        await File.WriteAllTextAsync(pem, System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", W3cTestVectors.AttestationRootCertificate()));
        try
        {
            await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?>
            {
                ["Mfa:Passkeys:Attestation"] = "Required",
                ["Mfa:Passkeys:TrustedRootCertificateFiles:0"] = pem,
            });

            var registration = await pipeline.RegisterAsync(W3cTestVectors.Load("packed-es384").Registration);

            Assert.True(registration.Succeeded, registration.Failure?.Message);
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Fact]
    public async Task required_attestation_asks_browsers_for_a_direct_attestation_and_verifies_it()
    {
        await using var pipeline = await PasskeyPipeline.StartAsync(Required());

        var options = pipeline.GetRequiredService<IOptions<IdentityPasskeyOptions>>().Value;

        Assert.Equal("direct", options.AttestationConveyancePreference);
        Assert.NotNull(options.VerifyAttestationStatement);
    }

    [Fact]
    public async Task the_w3c_packed_self_attestation_is_refused_when_attestation_is_required()
    {
        await using var pipeline = await PasskeyPipeline.StartAsync(Required());

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load("packed-self-es256").Registration);

        Assert.False(result.Succeeded);
        Assert.Contains("self attestation", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none-es256")]
    [InlineData("none-es256-long-credential-id")]
    public async Task the_w3c_none_attestation_is_refused_when_attestation_is_required(string section)
    {
        await using var pipeline = await PasskeyPipeline.StartAsync(Required());

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load(section).Registration);

        Assert.False(result.Succeeded);
        Assert.Contains("attestation format is 'none'", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flipped_byte_in_the_packed_attestation_signature_fails_registration()
    {
        var registration = W3cTestVectors.Load("packed-es256").Registration;
        await using var pipeline = await PasskeyPipeline.StartAsync(Required());

        var result = await pipeline.RegisterAsync(registration with { AttestationObject = FlipSignatureByte(registration.AttestationObject) });

        Assert.False(result.Succeeded);
        Assert.Contains("packed attestation signature is invalid", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_packed_chain_to_another_root_is_refused()
    {
        using var otherCa = new TestAttestationCa();
        await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:Attestation"] = "Required",
            ["Mfa:Passkeys:TrustedRootCertificates:0"] = otherCa.Base64Der,
        });

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load("packed-es256").Registration);

        Assert.False(result.Succeeded);
        Assert.Contains("does not chain to a root", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_authenticator_model_in_the_allow_list_registers()
    {
        var vector = W3cTestVectors.Load("packed-es512");
        var aaguid = new Guid(vector.Registration.Aaguid, bigEndian: true).ToString(); // the dashed text form
        await using var pipeline = await PasskeyPipeline.StartAsync(Required(("Mfa:Passkeys:AllowedAaguids:0", aaguid)));

        var result = await pipeline.RegisterAsync(vector.Registration);

        Assert.True(result.Succeeded, result.Failure?.Message);
    }

    [Fact]
    public async Task an_authenticator_model_outside_the_allow_list_is_refused()
    {
        var allowed = Convert.ToHexString(W3cTestVectors.Load("packed-es256").Registration.Aaguid);
        await using var pipeline = await PasskeyPipeline.StartAsync(Required(("Mfa:Passkeys:AllowedAaguids:0", allowed)));

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load("packed-rs256").Registration);

        Assert.False(result.Succeeded);
        Assert.Contains("not in Mfa:Passkeys:AllowedAaguids", result.Failure!.Message, StringComparison.Ordinal);
    }

    /// <summary>Flips the last byte of attStmt.sig, located by its CBOR key "sig" followed by a byte-string header.</summary>
    internal static byte[] FlipSignatureByte(byte[] attestationObject)
    {
        var copy = attestationObject.ToArray();
        var sig = copy.AsSpan().IndexOf("csig"u8); // text(3) "sig"
        Assert.True(sig >= 0);
        var header = copy[sig + 4];
        var (length, start) = header == 0x58 ? (copy[sig + 5], sig + 6) : (header - 0x40, sig + 5);
        copy[start + length - 1] ^= 0x01;
        return copy;
    }
}
