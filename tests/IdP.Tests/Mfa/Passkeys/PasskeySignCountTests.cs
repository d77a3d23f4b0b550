using IdP.Server.Mfa.Passkeys;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>
/// WebAuthn §7.2 step 22: when either the stored or the presented sign count is non-zero, the presented one must be
/// higher; otherwise the authenticator may have been cloned. The sign-in fails and the suspicion is recorded.
/// </summary>
public sealed class PasskeySignCountTests
{
    [Fact]
    public async Task a_sign_count_that_goes_backwards_fails_the_sign_in_and_is_recorded()
    {
        var vector = W3cTestVectors.Load("packed-es256"); // its assertion presents sign count 0
        await using var pipeline = await PasskeyPipeline.StartAsync();
        var passkey = await pipeline.EnrolAsync(vector.Registration);
        passkey.SignCount = 7; // the genuine authenticator has signed in seven times since
        await pipeline.StoreAsync(passkey);

        var result = await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId);

        Assert.False(result.Succeeded);
        Assert.Contains(IdpPasskeyHandler.CloneSuspectedFailure, result.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("stored sign count 7, presented 0", result.Failure.Message, StringComparison.Ordinal);
        var recorded = Assert.Single(pipeline.CloneSink.Recorded);
        Assert.Equal(pipeline.User.Id, recorded.UserId);
        Assert.Equal(vector.Registration.CredentialId, recorded.CredentialId);
        Assert.Equal(7u, recorded.StoredSignCount);
        Assert.Equal(0u, recorded.PresentedSignCount);
        Assert.Equal(7u, (await pipeline.StoredPasskeyAsync(vector.Registration.CredentialId))!.SignCount);
    }

    [Theory]
    [InlineData(5u, 5u)]
    [InlineData(5u, 4u)]
    public async Task a_sign_count_that_does_not_advance_fails_the_sign_in_and_is_recorded(uint stored, uint presented)
    {
        using var authenticator = new SyntheticAuthenticator();
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await EnrolAsync(pipeline, authenticator);
        Assert.True((await SignInAsync(pipeline, authenticator, stored)).Succeeded);

        var result = await SignInAsync(pipeline, authenticator, presented);

        Assert.False(result.Succeeded);
        Assert.Contains(IdpPasskeyHandler.CloneSuspectedFailure, result.Failure!.Message, StringComparison.Ordinal);
        var recorded = Assert.Single(pipeline.CloneSink.Recorded);
        Assert.Equal((stored, presented), (recorded.StoredSignCount, recorded.PresentedSignCount));
    }

    [Fact]
    public async Task an_advancing_sign_count_signs_in_and_is_stored()
    {
        using var authenticator = new SyntheticAuthenticator();
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await EnrolAsync(pipeline, authenticator);

        Assert.True((await SignInAsync(pipeline, authenticator, 1)).Succeeded);
        Assert.True((await SignInAsync(pipeline, authenticator, 9)).Succeeded);

        Assert.Equal(9u, (await pipeline.StoredPasskeyAsync(authenticator.CredentialId))!.SignCount);
        Assert.Empty(pipeline.CloneSink.Recorded);
    }

    [Fact]
    public async Task an_authenticator_without_a_counter_keeps_signing_in()
    {
        // Synced passkeys always report 0; with both counts zero there is nothing to compare.
        var vector = W3cTestVectors.Load("none-es256");
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await pipeline.EnrolAsync(vector.Registration);

        Assert.True((await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId)).Succeeded);
        Assert.True((await pipeline.AuthenticateAsync(vector.Authentication!, vector.Registration.CredentialId)).Succeeded);
        Assert.Empty(pipeline.CloneSink.Recorded);
    }

    [Fact]
    public async Task a_replayed_old_assertion_is_refused_for_its_challenge_and_not_reported_as_a_clone()
    {
        using var authenticator = new SyntheticAuthenticator();
        await using var pipeline = await PasskeyPipeline.StartAsync();
        await EnrolAsync(pipeline, authenticator);
        var old = authenticator.Assert(signCount: 1);
        Assert.True((await SignInAsync(pipeline, authenticator, 2)).Succeeded);

        // Replayed into a new ceremony: the handler issued another challenge than the one signed.
        var fresh = authenticator.Assert(signCount: 3);
        var result = await pipeline.AuthenticateAsync(fresh.Challenge, authenticator.CredentialId, old.ClientDataJson, old.AuthenticatorData, old.Signature);

        Assert.False(result.Succeeded);
        Assert.DoesNotContain(IdpPasskeyHandler.CloneSuspectedFailure, result.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(pipeline.CloneSink.Recorded);
    }

    private static async Task EnrolAsync(PasskeyPipeline pipeline, SyntheticAuthenticator authenticator)
    {
        var registration = authenticator.Register();
        var result = await pipeline.RegisterAsync(registration.Challenge, registration.CredentialId, registration.ClientDataJson, registration.AttestationObject);
        Assert.True(result.Succeeded, result.Failure?.Message);
        await pipeline.StoreAsync(result.Passkey);
    }

    private static async Task<Microsoft.AspNetCore.Identity.PasskeyAssertionResult<IdP.Server.Accounts.IdpUser>> SignInAsync(
        PasskeyPipeline pipeline, SyntheticAuthenticator authenticator, uint signCount)
    {
        var assertion = authenticator.Assert(signCount);
        return await pipeline.AuthenticateAsync(assertion.Challenge, authenticator.CredentialId, assertion.ClientDataJson, assertion.AuthenticatorData, assertion.Signature);
    }
}
