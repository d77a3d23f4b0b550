namespace IdP.Server.Mfa;

/// <summary>A single-use recovery code, stored as a SHA-256 digest (the code has 50 random bits; see RecoveryCodeService).</summary>
public sealed class RecoveryCode
{
    public long Id { get; set; }

    public required string UserId { get; set; }

    public required string CodeHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}
