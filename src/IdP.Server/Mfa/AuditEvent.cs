namespace IdP.Server.Mfa;

/// <summary>One authentication attempt or security-relevant change: who, with what, from where, and how it ended.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>What happened, e.g. <c>signin.password</c>, <c>signin.totp</c>, <c>mfa.enrol</c>, <c>admin.reset-mfa</c>.</summary>
    public required string Type { get; set; }

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
