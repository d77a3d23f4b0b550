using Microsoft.AspNetCore.WebUtilities;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>Records a suspected cloned passkey (WebAuthn §7.2 step 22) in the audit table, and in the logs.</summary>
internal sealed class AuditingPasskeyCloneSink(AuditLog audit, ILogger<AuditingPasskeyCloneSink> logger) : IPasskeyCloneDetectionSink
{
    public async Task RecordAsync(PasskeyCloneSuspicion suspicion, CancellationToken cancellationToken)
    {
        logger.LogWarning("Passkey {CredentialId} of user {UserId}: sign count went backwards ({Stored} -> {Presented}); possible clone",
            WebEncoders.Base64UrlEncode(suspicion.CredentialId), suspicion.UserId, suspicion.StoredSignCount, suspicion.PresentedSignCount);
        await audit.WriteForUserIdAsync(AuditTypes.PasskeySignIn, AuditLog.Failure, suspicion.UserId, null, "passkey",
            $"sign count went backwards ({suspicion.StoredSignCount} -> {suspicion.PresentedSignCount}): possible cloned authenticator",
            cancellationToken: cancellationToken);
    }
}
