namespace IdP.Server.Keys;

/// <summary>
/// A key IdP signs or encrypts tokens with. The private material is stored encrypted with ASP.NET Core
/// Data Protection. The dates make scheduled rotation possible: a key is published in the JWKS from
/// <see cref="CreatedAt"/>, signs from <see cref="ActivatesAt"/> until <see cref="RetiresAt"/>, and stays
/// published until <see cref="ExpiresAt"/> so that tokens it signed keep validating.
/// </summary>
public sealed class SigningKey
{
    /// <summary>The <c>kid</c>: the RFC 7638 JWK thumbprint of the public key (or a random id for symmetric keys).</summary>
    public required string Id { get; set; }

    /// <summary><c>sig</c> for token signing keys, <c>enc</c> for the key that encrypts codes and refresh tokens.</summary>
    public required string Use { get; set; }

    /// <summary>
    /// Which JWKS publishes the key, and so who trusts what it signs: <see cref="GeneralSet"/> (every relying party)
    /// or <see cref="GatewaySet"/> (only the mainframe gateway). Encryption keys are in the general set.
    /// </summary>
    public string Set { get; set; } = GeneralSet;

    /// <summary>The JOSE algorithm, e.g. <c>RS256</c>, <c>PS256</c> or <c>A256KW</c>.</summary>
    public required string Algorithm { get; set; }

    public int KeySize { get; set; }

    /// <summary>The private key (PKCS#8) or symmetric key, protected with Data Protection.</summary>
    public required string ProtectedKeyMaterial { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ActivatesAt { get; set; }

    public DateTimeOffset? RetiresAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public bool IsSigningAt(DateTimeOffset now) => KeySchedule.IsSigning(ActivatesAt, RetiresAt, now);

    public bool IsPublishedAt(DateTimeOffset now) => KeySchedule.IsPublished(ExpiresAt, now);

    public const string SignatureUse = "sig";
    public const string GeneralSet = "general";
    public const string GatewaySet = "gateway";

    public static readonly IReadOnlyList<string> Sets = [GeneralSet, GatewaySet];
    public const string EncryptionUse = "enc";
}
