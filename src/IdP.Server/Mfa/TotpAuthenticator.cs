namespace IdP.Server.Mfa;

/// <summary>
/// A TOTP (RFC 6238) authenticator: an app or a hardware token. The seed is stored encrypted with Data Protection.
/// </summary>
public sealed class TotpAuthenticator
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");

    public required string UserId { get; set; }

    /// <summary>The shared secret, protected with Data Protection (never stored in clear).</summary>
    public required string ProtectedSecret { get; set; }

    public int Digits { get; set; } = 6;

    public int PeriodSeconds { get; set; } = 30;

    /// <summary>HMAC algorithm: SHA1 (the authenticator-app default), SHA256 or SHA512.</summary>
    public string Algorithm { get; set; } = "SHA1";

    /// <summary>
    /// The last time step whose code was accepted. RFC 6238 §5.2: a code for this step or an earlier one is never
    /// accepted again. Advanced only by a conditional write, so two racing requests cannot both win.
    /// </summary>
    public long LastAcceptedStep { get; set; }

    /// <summary>How many steps the authenticator's clock is off, learned by resynchronisation.</summary>
    public int DriftSteps { get; set; }

    /// <summary>The step of a code that matched only in the wide window; the next consecutive code resynchronises.</summary>
    public long? PendingResyncStep { get; set; }

    /// <summary>Null while enrolment awaits the first valid code; the factor counts only once confirmed.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string Label { get; set; } = "Authenticator app";
}
