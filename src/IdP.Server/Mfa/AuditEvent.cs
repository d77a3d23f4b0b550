namespace IdP.Server.Mfa;

/// <summary>One authentication attempt or security-relevant change: who, with what, from where, and how it ended.</summary>
public sealed class AuditEvent
{
    /// <summary>Room for <c>user:</c> and the longest user name Identity stores (256).</summary>
    public const int MaxActorLength = 300;

    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>What happened, e.g. <c>signin.password</c>, <c>signin.totp</c>, <c>mfa.enrol</c>, <c>admin.reset-mfa</c>.</summary>
    public required string Type { get; set; }

    /// <summary>
    /// Who did it: <c>cli:&lt;OS user&gt;</c> for an administrator's command, <c>system</c> for IdP's own jobs (e.g. scheduled
    /// key rotation), <c>user:&lt;name&gt;</c> for a signed-in user changing their own account. Null for sign-in attempts
    /// and anything else done by a visitor not signed in: the IP address and user agent say where it came from.
    /// </summary>
    public string? Actor { get; set; }

    /// <summary>Whose account the event is about (the subject), which need not be who did it.</summary>
    public string? UserId { get; set; }

    public string? UserName { get; set; }

    /// <summary>The factor involved: <c>password</c>, <c>totp</c>, <c>passkey</c>, <c>recovery-code</c>.</summary>
    public string? Factor { get; set; }

    public string? ClientId { get; set; }

    public string? IpAddress { get; set; }

    public string? UserAgent { get; set; }

    /// <summary><c>success</c> or <c>failure</c>.</summary>
    public required string Outcome { get; set; }

    public string? Reason { get; set; }
}
