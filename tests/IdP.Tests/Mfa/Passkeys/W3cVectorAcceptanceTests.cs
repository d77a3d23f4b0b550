using IdP.Server.Mfa.Passkeys;
using Microsoft.AspNetCore.Identity;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>
/// The W3C WebAuthn Level 3 test vectors IdP must accept, run through IdP's passkey pipeline (Identity's handler with
/// IdP's options, origin rule and attestation policy): registration, then the vector's sign-in with that credential.
/// </summary>
public sealed class W3cVectorAcceptanceTests
{
    public static TheoryData<string> AcceptedWithoutAttestationPolicy =>
    [
        "none-es256",
        "packed-self-es256",
        "none-es256-long-credential-id",
        "packed-es256",
        "packed-es384",
        "packed-es512",
        "packed-rs256",
    ];

    [Theory]
    [MemberData(nameof(AcceptedWithoutAttestationPolicy))]
    public async Task the_w3c_vector_registers_and_signs_in_when_attestation_is_none(string section)
    {
        var vector = W3cTestVectors.Load(section);
        await using var pipeline = await PasskeyPipeline.StartAsync();

        var registration = await pipeline.RegisterAsync(vector.Registration);

        Assert.True(registration.Succeeded, registration.Failure?.Message);
        Assert.Equal(vector.Registration.CredentialId, registration.Passkey.CredentialId);
        Assert.Equal(pipeline.User.Id, registration.UserEntity.Id);
        await pipeline.StoreAsync(registration.Passkey);

        var signIn = await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId);

        Assert.True(signIn.Succeeded, signIn.Failure?.Message);
        Assert.Equal(pipeline.User.Id, signIn.User.Id);
        Assert.Equal(vector.Registration.CredentialId, signIn.Passkey.CredentialId);
    }

    [Fact]
    public async Task the_w3c_long_credential_id_of_1023_bytes_is_stored_and_found_again()
    {
        var vector = W3cTestVectors.Load("none-es256-long-credential-id");
        await using var pipeline = await PasskeyPipeline.StartAsync();

        await pipeline.EnrolAsync(vector.Registration);

        Assert.Equal(1023, vector.Registration.CredentialId.Length);
        var stored = await pipeline.StoredPasskeyAsync(vector.Registration.CredentialId);
        Assert.NotNull(stored);
        Assert.Equal(vector.Registration.CredentialId, stored.CredentialId);
    }

    [Fact]
    public async Task the_ceremony_is_bound_to_the_challenge_the_handler_issued()
    {
        // The harness swaps in the vector's challenge; without it the same response must fail.
        var vector = W3cTestVectors.Load("none-es256");
        await using var pipeline = await PasskeyPipeline.StartAsync();
        var otherChallenge = W3cTestVectors.Load("packed-es256").Registration.Challenge;

        var result = await pipeline.RegisterAsync(vector.Registration with { Challenge = otherChallenge });

        Assert.False(result.Succeeded);
        Assert.Contains("challenge", result.Failure!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task the_pipeline_uses_idps_handler_and_settings()
    {
        await using var pipeline = await PasskeyPipeline.StartAsync();

        var options = pipeline.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdentityPasskeyOptions>>().Value;

        Assert.Equal(W3cTestVectors.RpId, options.ServerDomain);
        Assert.NotNull(options.ValidateOrigin);
        Assert.Null(options.VerifyAttestationStatement); // Attestation = None: statements are not verified
        Assert.Equal("none", options.AttestationConveyancePreference);
        Assert.True(options.IsAllowedAlgorithm!(PasskeyAlgorithms.ES256));
        Assert.True(options.IsAllowedAlgorithm!(PasskeyAlgorithms.RS256));
        Assert.False(options.IsAllowedAlgorithm!(-8)); // EdDSA
        Assert.False(options.IsAllowedAlgorithm!(-259)); // RS512: supported by Identity, not offered by IdP
    }
}
