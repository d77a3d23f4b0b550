namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// The COSE algorithms (IANA "COSE Algorithms" registry) IdP offers and accepts for passkeys and their attestations.
/// .NET has no EdDSA, so Ed25519 and Ed448 credentials are refused rather than stored unverifiable.
/// </summary>
public static class PasskeyAlgorithms
{
    public const int ES256 = -7;
    public const int ES384 = -35;
    public const int ES512 = -36;
    public const int PS256 = -37;
    public const int RS256 = -257;

    private const int EdDSA = -8;
    private const int Ed25519 = -19;
    private const int Ed448 = -53;

    /// <summary>In order of preference, as offered to authenticators.</summary>
    public static IReadOnlyList<int> Allowed { get; } = [ES256, RS256, PS256, ES384, ES512];

    public static bool IsAllowed(int algorithm) => Allowed.Contains(algorithm);

    public static string Name(int algorithm) => algorithm switch
    {
        ES256 => "ES256",
        ES384 => "ES384",
        ES512 => "ES512",
        PS256 => "PS256",
        RS256 => "RS256",
        EdDSA => "EdDSA",
        Ed25519 => "Ed25519",
        Ed448 => "Ed448",
        _ => $"COSE algorithm {algorithm}",
    };

    public static string AllowedNames => string.Join(", ", Allowed.Select(Name));

    internal static bool IsEdwardsCurve(int algorithm) => algorithm is EdDSA or Ed25519 or Ed448;
}
