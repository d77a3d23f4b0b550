using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Mfa;
using IdP.Server.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Keys;

/// <summary>What a rotation did: the new (pending) key and the key it replaces, with their schedules.</summary>
public sealed record RotationResult(KeyInfo Key, KeyInfo? Previous);

/// <summary>
/// Replaces the signing key without breaking relying parties that cache the JWKS: the new key is published at once
/// and signs only after <see cref="KeyOptions.PrePublicationDelay"/>; the old key then stops signing and stays
/// published until every token it signed has expired.
/// </summary>
public sealed class KeyRotation(
    IdpDbContext db,
    DatabaseLock databaseLock,
    SigningKeyFactory factory,
    SigningKeyRing ring,
    IOptions<KeyOptions> keyOptions,
    IOptions<TokenOptions> tokenOptions,
    AuditLog audit,
    TimeProvider time,
    ILogger<KeyRotation> logger)
{
    /// <summary>Covers clock differences between IdP and relying parties, and a token issued as the key retires.</summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(5);

    /// <summary><c>idp keys rotate --set</c>: refused while a rotated key of that set is still pending.</summary>
    public async Task<RotationResult> RotateAsync(string set, CancellationToken cancellationToken = default)
    {
        if (!SigningKey.Sets.Contains(set))
        {
            throw new AdministrationException($"Unknown key set '{set}': use general or gateway.");
        }

        if (keyOptions.Value.Source != KeySource.Database)
        {
            throw new AdministrationException("keys rotate works with Keys:Source=Database; with certificate files, change Keys:Certificates instead.");
        }

        var pending = (await LoadSigningKeysAsync(set, cancellationToken)).FirstOrDefault(k => k.ActivatesAt > time.GetUtcNow());
        if (pending is not null)
        {
            throw new AdministrationException($"{set} key {pending.Id} is already pending (it signs from {pending.ActivatesAt.UtcDateTime:u}); rotate again after that.");
        }

        return await TryRotateAsync(set, Due.Always, cancellationToken)
            ?? throw new AdministrationException($"another rotation has just published a new {set} key; see keys list.");
    }

    /// <summary>
    /// Scheduled rotation, each set on its own: a new key once the set's active one is older than
    /// <see cref="KeyOptions.RotationInterval"/> and none is pending. Safe on several instances at once: at most one
    /// of them inserts a key. Returns the rotations made.
    /// </summary>
    public async Task<IReadOnlyList<RotationResult>> RotateIfDueAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<RotationResult>();
        var interval = keyOptions.Value.RotationInterval;
        if (keyOptions.Value.Source != KeySource.Database || interval <= TimeSpan.Zero)
        {
            return results;
        }

        foreach (var set in SigningKey.Sets)
        {
            if (!IsDue(await LoadSigningKeysAsync(set, cancellationToken), Due.Scheduled, time.GetUtcNow()))
            {
                continue;
            }

            if (await TryRotateAsync(set, Due.Scheduled, cancellationToken) is { } result)
            {
                logger.LogInformation("Scheduled rotation: {Set} signing key {Kid} published, signs from {ActivatesAt:u}", set, result.Key.Kid, result.Key.ActivatesAt);
                results.Add(result);
            }
        }

        return results;
    }

    private enum Due
    {
        Always,
        Scheduled,
    }

    private async Task<RotationResult?> TryRotateAsync(string set, Due due, CancellationToken cancellationToken)
    {
        var settings = keyOptions.Value;

        // The key is made before the transaction: Data Protection may write its own key ring to the database, which
        // would wait on the write lock the transaction holds.
        var created = time.GetUtcNow();
        var key = factory.CreateRsaKey(settings.Algorithm, settings.RsaKeySize, created, created + settings.PrePublicationDelay, set);

        // The check and the insert must be one step, so that at most one new key appears when several instances
        // find rotation due at once. PostgreSQL: the instances queue on the "keys" advisory lock and the later ones
        // see this key as pending. SQLite: EF Core's transaction is BEGIN IMMEDIATE, which takes the database write
        // lock before the check below reads, so a second process queues there too.
        await using var keysLock = await databaseLock.AcquireAsync(SigningKeyRing.LockName, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var keys = await db.SigningKeys.Where(k => k.Use == SigningKey.SignatureUse && k.Set == set).ToListAsync(cancellationToken);
        if (!IsDue(keys, due, now))
        {
            return null;
        }

        key.CreatedAt = now;
        key.ActivatesAt = now + settings.PrePublicationDelay;
        db.SigningKeys.Add(key);

        // Every key of the set signing now stops when the new one starts, and stays published until its last token expired.
        var retiring = keys.Where(k => k.IsSigningAt(now)).OrderByDescending(k => k.ActivatesAt).ToList();
        foreach (var old in retiring)
        {
            old.RetiresAt = key.ActivatesAt;
            old.ExpiresAt = key.ActivatesAt + LongestSignedTokenLifetime() + ExpiryMargin;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Audited by whoever rotated: the administrator (keys rotate) or IdP itself (the schedule).
        await audit.WriteAsync(AuditTypes.KeyRotate, AuditLog.Success, null, cancellationToken: cancellationToken, reason:
            $"{(due == Due.Scheduled ? "scheduled" : "manual")}: new {set} signing key {key.Id} ({key.Algorithm}, RSA-{key.KeySize}) signs from {key.ActivatesAt.UtcDateTime:u}"
            + (retiring.Count > 0 ? $"; {retiring[0].Id} stops signing then and leaves the JWKS {retiring[0].ExpiresAt?.UtcDateTime:u}" : ""));

        // This instance publishes the new key at once; the others on their next refresh (Keys:RefreshInterval).
        await ring.ReloadAsync(cancellationToken);
        return new RotationResult(SigningKeyRing.ToInfo(key, now), retiring.Count > 0 ? SigningKeyRing.ToInfo(retiring[0], now) : null);
    }

    private bool IsDue(IReadOnlyList<SigningKey> keys, Due due, DateTimeOffset now)
    {
        if (keys.Any(k => k.ActivatesAt > now))
        {
            return false; // a rotated key is waiting for relying parties to fetch it
        }

        var active = keys.Where(k => k.IsSigningAt(now)).MaxBy(k => k.ActivatesAt);
        return due == Due.Always || (active is not null && now - active.ActivatesAt >= keyOptions.Value.RotationInterval);
    }

    private Task<List<SigningKey>> LoadSigningKeysAsync(string set, CancellationToken cancellationToken)
        => db.SigningKeys.AsNoTracking().Where(k => k.Use == SigningKey.SignatureUse && k.Set == set).ToListAsync(cancellationToken);

    /// <summary>
    /// OpenIddict signs every token it issues with the active key (codes and refresh tokens too, inside their
    /// encryption), and IdP checks those signatures against the published keys; so the longest of all lifetimes.
    /// </summary>
    private TimeSpan LongestSignedTokenLifetime()
    {
        var tokens = tokenOptions.Value;
        return new[]
        {
            tokens.AccessTokenLifetime, tokens.IdentityTokenLifetime, tokens.RefreshTokenLifetime,
            tokens.AuthorizationCodeLifetime, tokens.DeviceCodeLifetime,
        }.Max();
    }
}
