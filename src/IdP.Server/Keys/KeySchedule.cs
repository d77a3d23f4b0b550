namespace IdP.Server.Keys;

/// <summary>What a key's dates mean at a given moment; one place so the ring, rotation and <c>keys list</c> agree.</summary>
public static class KeySchedule
{
    /// <summary>Published in the JWKS, not signing yet: relying parties are picking it up.</summary>
    public const string Pending = "pending";

    /// <summary>Signs new tokens.</summary>
    public const string Active = "active";

    /// <summary>No longer signs, still published until the tokens it signed have expired.</summary>
    public const string Retired = "retired";

    /// <summary>Gone from the JWKS; the row is kept for the record.</summary>
    public const string Expired = "expired";

    public static bool IsSigning(DateTimeOffset activatesAt, DateTimeOffset? retiresAt, DateTimeOffset now)
        => activatesAt <= now && (retiresAt is null || retiresAt > now);

    public static bool IsPublished(DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is null || expiresAt > now;

    public static string StateAt(DateTimeOffset activatesAt, DateTimeOffset? retiresAt, DateTimeOffset? expiresAt, DateTimeOffset now)
        => !IsPublished(expiresAt, now) ? Expired
            : activatesAt > now ? Pending
            : IsSigning(activatesAt, retiresAt, now) ? Active
            : Retired;
}
