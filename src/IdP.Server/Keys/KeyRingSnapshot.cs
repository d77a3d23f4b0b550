using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Keys;

/// <summary>A key as the administrator sees it (<c>idp keys list</c>): no private material. <see cref="State"/> is as of when it was read.</summary>
public sealed record KeyInfo(
    string Kid, string State, string Use, string Set, string Algorithm, int KeySize, string Source,
    DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, DateTimeOffset? RetiresAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// A published signing key. <paramref name="Scheduled"/>: a database key, which follows its dates; certificate files
/// (<see cref="KeySource.Certificates"/>) are not rotated by IdP: the first file signs and all are published.
/// </summary>
public sealed record PublishedKey(SigningCredentials Credentials, KeyInfo Info, bool Scheduled)
{
    public string Kid => Info.Kid;

    public string Set => Info.Set;
}

/// <summary>
/// The keys published at one moment, with their schedules: what OpenIddict publishes, and what it signs with,
/// decided per token from the dates (<see cref="SigningAt"/>) so activation needs no reload.
/// </summary>
public sealed record KeyRingSnapshot(IReadOnlyList<PublishedKey> SigningKeys, IReadOnlyList<EncryptingCredentials> Encryption)
{
    /// <summary>
    /// The HMAC keys for tokens only IdP reads (<see cref="SigningKeyFactory.ToInternalSigningCredentials"/>), one per
    /// encryption key and in its order, the one to sign with first. Never published.
    /// </summary>
    public IReadOnlyList<SigningCredentials> InternalSigning { get; } = [.. Encryption.Select(SigningKeyFactory.ToInternalSigningCredentials)];

    /// <summary>Every published signing key (pending, active and retired), the one signing at load time first.</summary>
    public IReadOnlyList<SigningCredentials> Signing { get; } = [.. SigningKeys.Select(k => k.Credentials)];

    /// <summary>
    /// The key of <paramref name="set"/> that signs at <paramref name="now"/>: the set's first certificate file, else
    /// of its database keys whose signing period contains <paramref name="now"/> the latest to activate (null if none).
    /// </summary>
    public SigningCredentials? SigningAt(DateTimeOffset now, string set)
        => (SigningKeys.FirstOrDefault(k => !k.Scheduled && k.Set == set)
            ?? SigningKeys
                .Where(k => k.Set == set && KeySchedule.IsSigning(k.Info.ActivatesAt, k.Info.RetiresAt, now))
                .MaxBy(k => k.Info.ActivatesAt))?.Credentials;

    /// <summary>
    /// Whether the JWKS of <paramref name="set"/> lists <paramref name="kid"/> at <paramref name="now"/> (false for keys
    /// of the other set and keys this ring does not know).
    /// </summary>
    public bool IsPublishedAt(string kid, DateTimeOffset now, string set) => PublishedAt(now, set).Any(k => k.Kid == kid);

    /// <summary>The keys the JWKS of <paramref name="set"/> lists at <paramref name="now"/>.</summary>
    public IEnumerable<PublishedKey> PublishedAt(DateTimeOffset now, string set)
        => SigningKeys.Where(k => k.Set == set && (!k.Scheduled || KeySchedule.IsPublished(k.Info.ExpiresAt, now)));

    /// <summary>The next moment a key starts or stops signing or leaves the JWKS, so the ring can reload then.</summary>
    public DateTimeOffset? NextChangeAfter(DateTimeOffset now)
        => SigningKeys
            .Where(k => k.Scheduled)
            .SelectMany(k => new[] { k.Info.ActivatesAt, k.Info.RetiresAt, k.Info.ExpiresAt })
            .Where(moment => moment > now)
            .Min();
}
