namespace IdP.Tests.Mfa.Passkeys;

/// <summary>What IdP's passkey pipeline must refuse, each with an error that says why.</summary>
public sealed class W3cVectorRefusalTests
{
    public static TheoryData<string> WithAuthentication => ["none-es256", "packed-self-es256", "none-es256-long-credential-id", "packed-es256", "packed-es384", "packed-es512", "packed-rs256"];

    [Theory]
    [MemberData(nameof(WithAuthentication))]
    public async Task a_flipped_byte_in_the_assertion_signature_fails_the_sign_in(string section)
    {
        var vector = W3cTestVectors.Load(section);
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await pipeline.EnrolAsync(vector.Registration);
        var signature = vector.Authentication!.Signature.ToArray();
        signature[^1] ^= 0x01;

        var result = await pipeline.AuthenticateAsync(vector.Authentication with { Signature = signature }, vector.Registration.CredentialId);

        Assert.False(result.Succeeded);
        Assert.Contains("signature was invalid", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flipped_byte_in_the_signed_authenticator_data_fails_the_sign_in()
    {
        var vector = W3cTestVectors.Load("packed-es256");
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await pipeline.EnrolAsync(vector.Registration);
        var authenticatorData = vector.Authentication!.AuthenticatorData.ToArray();
        authenticatorData[35] ^= 0x01; // inside the sign count: still well-formed, no longer what was signed

        var result = await pipeline.AuthenticateAsync(vector.Authentication with { AuthenticatorData = authenticatorData }, vector.Registration.CredentialId);

        Assert.False(result.Succeeded);
        Assert.Contains("signature was invalid", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none-es256-crossOrigin", "inside a cross-origin frame")]
    [InlineData("none-es256-topOrigin", "inside a page of 'https://example.com'")]
    public async Task the_w3c_cross_origin_registration_is_refused_with_a_clear_error(string section, string expected)
    {
        await using var pipeline = await PasskeyPipeline.StartAsync();

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load(section).Registration);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("only from its own top-level pages", result.Failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none-es256-crossOrigin", "inside a cross-origin frame")]
    [InlineData("none-es256-topOrigin", "inside a page of 'https://example.com'")]
    public async Task the_w3c_cross_origin_sign_in_is_refused_with_a_clear_error(string section, string expected)
    {
        var vector = W3cTestVectors.Load(section);
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await pipeline.EnrolWithoutOriginCheckAsync(vector.Registration);

        var result = await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Failure!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("packed-eddsa", "EdDSA")]
    [InlineData("packed-ed448", "Ed448")]
    public async Task the_w3c_edwards_curve_registration_is_refused_naming_the_algorithm(string section, string algorithm)
    {
        await using var pipeline = await PasskeyPipeline.StartAsync();

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load(section).Registration);

        Assert.False(result.Succeeded);
        Assert.Contains($"uses {algorithm}, which IdP does not accept (.NET cannot verify EdDSA signatures)", result.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("ES256", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_origin_that_is_not_configured_is_refused()
    {
        await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:AllowedOrigins:0"] = "https://login.example.org",
        });

        var result = await pipeline.RegisterAsync(W3cTestVectors.Load("none-es256").Registration);

        Assert.False(result.Succeeded);
        Assert.Contains("https://example.org", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_credential_scoped_to_another_relying_party_id_is_refused()
    {
        await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:ServerDomain"] = "login.example.org",
            ["Mfa:Passkeys:AllowedOrigins:0"] = "https://login.example.org",
        });

        var vector = W3cTestVectors.Load("none-es256").Registration;
        var result = await pipeline.RegisterAsync(vector);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task a_vector_without_user_verification_is_refused_when_user_verification_is_required()
    {
        var vector = W3cTestVectors.Load("none-es256").Registration; // flags 0x59: UP, no UV
        await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?> { ["Mfa:Passkeys:UserVerification"] = "required" });

        var result = await pipeline.RegisterAsync(vector);

        Assert.False(result.Succeeded);
        Assert.Contains("verif", result.Failure!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task a_flipped_byte_in_client_data_fails_registration()
    {
        var vector = W3cTestVectors.Load("packed-es256").Registration;
        await using var pipeline = await PasskeyPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:Attestation"] = "Required",
            ["Mfa:Passkeys:TrustedRootCertificates:0"] = Convert.ToBase64String(W3cTestVectors.AttestationRootCertificate()),
        });
        // "crossOrigin":false → "crossOrigin":falsf would be invalid JSON; change a character of extraData instead,
        // so the JSON still parses and only the attestation signature over its hash can notice.
        var clientData = vector.ClientDataJson.ToArray();
        clientData[^5] ^= 0x01;

        var result = await pipeline.RegisterAsync(vector with { ClientDataJson = clientData });

        Assert.False(result.Succeeded);
        Assert.Contains("packed attestation signature is invalid", result.Failure!.Message, StringComparison.Ordinal);
    }
}
