namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// A sign-in whose passkey signature counter did not advance (WebAuthn §7.2 step 22): the authenticator may have
/// been cloned. The sign-in has already failed; this is the evidence.
/// </summary>
public sealed record PasskeyCloneSuspicion(
    string UserId,
    byte[] CredentialId,
    uint StoredSignCount,
    uint PresentedSignCount,
    DateTimeOffset DetectedAt);

/// <summary>
/// Where suspected passkey clones are recorded. The default logs a warning
/// (<see cref="LoggingPasskeyCloneDetectionSink"/>); register another implementation to write an audit trail.
/// </summary>
public interface IPasskeyCloneDetectionSink
{
    Task RecordAsync(PasskeyCloneSuspicion suspicion, CancellationToken cancellationToken);
}

/// <summary>Logs each suspected clone as a warning with event id 3101 (<c>PasskeyCloneSuspected</c>).</summary>
public sealed partial class LoggingPasskeyCloneDetectionSink(ILogger<LoggingPasskeyCloneDetectionSink> logger) : IPasskeyCloneDetectionSink
{
    public Task RecordAsync(PasskeyCloneSuspicion suspicion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suspicion);
        LogCloneSuspected(
            suspicion.UserId,
            Convert.ToBase64String(suspicion.CredentialId),
            suspicion.StoredSignCount,
            suspicion.PresentedSignCount);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3101, EventName = "PasskeyCloneSuspected", Level = LogLevel.Warning,
        Message = "Passkey sign-in refused for user {UserId}: sign count went backwards (stored {StoredSignCount}, presented {PresentedSignCount}) for credential {CredentialId}; possible cloned authenticator.")]
    private partial void LogCloneSuspected(string userId, string credentialId, uint storedSignCount, uint presentedSignCount);
}
