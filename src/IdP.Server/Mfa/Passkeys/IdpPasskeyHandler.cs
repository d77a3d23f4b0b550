using IdP.Server.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// IdP's <see cref="IPasskeyHandler{TUser}"/>: Identity's own <see cref="PasskeyHandler{TUser}"/> (sealed in .NET 10,
/// so wrapped rather than derived) performs the WebAuthn ceremonies with IdP's <see cref="IdentityPasskeyOptions"/>;
/// this adds what Identity leaves to the application:
/// <list type="bullet">
/// <item>a registration with an algorithm IdP does not accept (EdDSA above all) fails with a message naming it;</item>
/// <item>a sign count that went backwards is reported as a possible clone and recorded through
/// <see cref="IPasskeyCloneDetectionSink"/>.</item>
/// </list>
/// </summary>
public sealed class IdpPasskeyHandler : IPasskeyHandler<IdpUser>
{
    /// <summary>The failure message (its start) of a sign-in refused because the sign count went backwards.</summary>
    public const string CloneSuspectedFailure = "sign count went backwards: possible cloned authenticator";

    // Identity's message for WebAuthn §7.2 step 22 (PasskeyException.SignCountLessThanOrEqualToStoredSignCount).
    // Identity exposes no failure code, so the text is matched; PasskeySignCountTests pins it to the Identity in use.
    // Step 22 is Identity's last check, so this failure means everything else (challenge, origin, signature) held.
    internal const string IdentitySignCountFailure =
        "The authenticator's signature counter is unexpectedly less than or equal to the stored signature counter.";

    private readonly PasskeyHandler<IdpUser> _identity;
    private readonly UserManager<IdpUser> _users;
    private readonly IPasskeyCloneDetectionSink _cloneSink;
    private readonly TimeProvider _time;

    public IdpPasskeyHandler(
        UserManager<IdpUser> users,
        IOptions<IdentityPasskeyOptions> options,
        IPasskeyCloneDetectionSink cloneSink,
        TimeProvider time)
    {
        _identity = new PasskeyHandler<IdpUser>(users, options);
        _users = users;
        _cloneSink = cloneSink;
        _time = time;
    }

    public Task<PasskeyCreationOptionsResult> MakeCreationOptionsAsync(PasskeyUserEntity userEntity, HttpContext httpContext)
        => _identity.MakeCreationOptionsAsync(userEntity, httpContext);

    public Task<PasskeyRequestOptionsResult> MakeRequestOptionsAsync(IdpUser? user, HttpContext httpContext)
        => _identity.MakeRequestOptionsAsync(user, httpContext);

    public async Task<PasskeyAttestationResult> PerformAttestationAsync(PasskeyAttestationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // WebAuthn §7.1 step 20 is Identity's too, but its refusal does not say which algorithm; an Ed25519 or Ed448
        // security key deserves to be told that it, not the user, is the problem.
        if (PasskeyCredentialJson.ReadCredentialAlgorithm(context.CredentialJson) is { } algorithm && !PasskeyAlgorithms.IsAllowed(algorithm))
        {
            var reason = PasskeyAlgorithms.IsEdwardsCurve(algorithm) ? " (.NET cannot verify EdDSA signatures)" : "";
            return PasskeyAttestationResult.Fail(new PasskeyException(
                $"The passkey's public key uses {PasskeyAlgorithms.Name(algorithm)}, which IdP does not accept{reason}; accepted algorithms: {PasskeyAlgorithms.AllowedNames}."));
        }

        return await _identity.PerformAttestationAsync(context);
    }

    public async Task<PasskeyAssertionResult<IdpUser>> PerformAssertionAsync(PasskeyAssertionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Identity already enforces WebAuthn §7.2 step 22: the sign-in fails when either count is non-zero and the
        // presented count is not above the stored one. It only fails, though; IdP names and records the suspicion.
        var result = await _identity.PerformAssertionAsync(context);
        if (result.Succeeded || result.Failure?.Message != IdentitySignCountFailure)
        {
            return result;
        }

        if (await DescribeCloneSuspicionAsync(context.CredentialJson) is not { } suspicion)
        {
            return result;
        }

        await _cloneSink.RecordAsync(suspicion, context.HttpContext.RequestAborted);
        return PasskeyAssertionResult.Fail<IdpUser>(new PasskeyException(
            $"The passkey's {CloneSuspectedFailure} (stored sign count {suspicion.StoredSignCount}, presented {suspicion.PresentedSignCount}).",
            result.Failure));
    }

    /// <summary>Re-reads both counts, so what is recorded is what was compared.</summary>
    private async Task<PasskeyCloneSuspicion?> DescribeCloneSuspicionAsync(string credentialJson)
    {
        if (PasskeyCredentialJson.ReadAssertion(credentialJson) is not var (credentialId, presented)
            || await _users.FindByPasskeyIdAsync(credentialId) is not { } user
            || await _users.GetPasskeyAsync(user, credentialId) is not { } stored)
        {
            return null;
        }

        // WebAuthn §7.2 step 22: a signal, not proof, of a clone; only when a counter is in use at all.
        var wentBackwards = (presented != 0 || stored.SignCount != 0) && presented <= stored.SignCount;
        return wentBackwards
            ? new PasskeyCloneSuspicion(user.Id, credentialId, stored.SignCount, presented, _time.GetUtcNow())
            : null;
    }
}
