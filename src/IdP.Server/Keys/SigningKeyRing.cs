using System.Security.Cryptography.X509Certificates;
using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace IdP.Server.Keys;

/// <summary>
/// Loads IdP's persistent token keys: generated RSA keys stored in the database under Data Protection, or
/// PKCS#12 files. Never development certificates or ephemeral keys: tokens must verify across restarts.
/// </summary>
/// <remarks>
/// The ring holds an immutable snapshot of the published keys and swaps it when a reload finds a different set
/// (another instance or <c>idp keys rotate</c> added one, or one expired). OpenIddict builds its options, and with
/// them the JWKS and the keys it validates its own tokens with, from the snapshot once and caches them; so a swap
/// clears those caches and the next request rebuilds them (see <see cref="KeyRingServerOptionsSetup"/>).
/// </remarks>
public sealed class SigningKeyRing(
    IServiceScopeFactory scopeFactory,
    DatabaseLock databaseLock,
    SigningKeyFactory factory,
    IOptions<KeyOptions> options,
    IOptionsMonitorCache<OpenIddictServerOptions> serverOptionsCache,
    IOptionsMonitorCache<OpenIddictValidationOptions> validationOptionsCache,
    TimeProvider time,
    ILogger<SigningKeyRing> logger)
{
    // The snapshot and what it was built from, swapped together. Two reloads racing build the same thing.
    private sealed record Loaded(KeyRingSnapshot Snapshot, string Fingerprint);

    private volatile Loaded? _loaded;

    /// <summary>Creating and rotating keys holds this database lock, so instances never add keys twice.</summary>
    public const string LockName = "keys";

    public KeyRingSnapshot Current => _loaded?.Snapshot
        ?? throw new InvalidOperationException("The key ring was read before start-up loaded it.");

    /// <summary>Creates the first keys if the database has none, then loads the ring.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        // Instances starting together on an empty database queue here: the first creates the keys, the others load them.
        await using (var keysLock = await databaseLock.AcquireAsync(LockName, cancellationToken))
        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            var keyOptions = options.Value;
            var now = time.GetUtcNow();
            var stored = await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);

            // One active key per set: the general set signs what every relying party verifies, the gateway set only
            // what may act on the mainframe (docs/tokens.md, "Two key sets").
            foreach (var set in SigningKey.Sets)
            {
                if (keyOptions.Source == KeySource.Database &&
                    !stored.Any(k => k.Use == SigningKey.SignatureUse && k.Set == set && k.Algorithm == keyOptions.Algorithm && k.IsSigningAt(now)))
                {
                    var key = factory.CreateRsaKey(keyOptions.Algorithm, keyOptions.RsaKeySize, now, now, set);
                    db.SigningKeys.Add(key);
                    logger.LogInformation("Generated {Set} signing key {Kid} ({Algorithm}, RSA-{Size})", set, key.Id, key.Algorithm, key.KeySize);
                }
            }

            // Authorization codes, refresh tokens and device codes are encrypted (they are only read by IdP itself).
            if (!stored.Any(k => k.Use == SigningKey.EncryptionUse && k.IsSigningAt(now)))
            {
                var key = factory.CreateEncryptionKey(now);
                db.SigningKeys.Add(key);
                logger.LogInformation("Generated token encryption key {Kid}", key.Id);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        await ReloadAsync(cancellationToken);
    }

    /// <summary>
    /// Rereads the keys from the database and swaps the snapshot if the published set or a date changed.
    /// Returns whether it did. Private material is only decrypted for keys the ring does not hold yet.
    /// </summary>
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken = default)
    {
        List<SigningKey> stored;
        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            stored = await scope.ServiceProvider.GetRequiredService<IdpDbContext>().SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        }

        var now = time.GetUtcNow();
        var published = stored.Where(k => k.IsPublishedAt(now)).ToList();
        var fingerprint = string.Join(";", published.OrderBy(k => k.Id, StringComparer.Ordinal)
            .Select(k => FormattableString.Invariant($"{k.Id}|{k.Set}|{k.ActivatesAt:O}|{k.RetiresAt:O}|{k.ExpiresAt:O}")));
        var previous = _loaded;
        if (previous is not null && fingerprint == previous.Fingerprint)
        {
            return false;
        }

        var snapshot = BuildSnapshot(published, options.Value, now, previous?.Snapshot);
        _loaded = new Loaded(snapshot, fingerprint);

        // OpenIddict rebuilds its options (JWKS, validation keys) from the new snapshot on the next request.
        serverOptionsCache.Clear();
        validationOptionsCache.Clear();
        logger.LogInformation("Loaded token keys: {Kids}", string.Join(", ", snapshot.SigningKeys.Select(k => $"{k.Kid} ({k.Set}, {k.Info.State})")));
        return true;
    }

    /// <summary>All keys, for <c>idp keys list</c>, without loading any private material into OpenIddict.</summary>
    public async Task<IReadOnlyList<KeyInfo>> ListAsync(IdpDbContext db, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var keys = (await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken))
            .Where(k => options.Value.Source == KeySource.Database || k.Use == SigningKey.EncryptionUse)
            .Select(k => ToInfo(k, now))
            .ToList();

        if (options.Value.Source == KeySource.Certificates)
        {
            keys.AddRange(LoadCertificates(options.Value).Select(c => c.Info));
        }

        return [.. keys.OrderBy(k => k.Use).ThenBy(k => k.Set).ThenByDescending(k => k.ActivatesAt)];
    }

    public static KeyInfo ToInfo(SigningKey k, DateTimeOffset now)
        => new(k.Id, KeySchedule.StateAt(k.ActivatesAt, k.RetiresAt, k.ExpiresAt, now), k.Use, k.Set, k.Algorithm, k.KeySize, "database",
            k.CreatedAt, k.ActivatesAt, k.RetiresAt, k.ExpiresAt);

    private KeyRingSnapshot BuildSnapshot(IReadOnlyList<SigningKey> published, KeyOptions keyOptions, DateTimeOffset now, KeyRingSnapshot? previous)
    {
        var signing = new List<PublishedKey>();
        var encryption = new List<EncryptingCredentials>();

        if (keyOptions.Source == KeySource.Certificates)
        {
            signing.AddRange(LoadCertificates(keyOptions).Select(c => new PublishedKey(c.Credentials, c.Info, Scheduled: false)));

            // A key in both sets would make the gateway trust every token IdP signs.
            var shared = signing.Where(k => k.Set == SigningKey.GatewaySet).Select(k => k.Kid)
                .Intersect(signing.Where(k => k.Set == SigningKey.GeneralSet).Select(k => k.Kid), StringComparer.Ordinal).FirstOrDefault();
            if (shared is not null)
            {
                throw new InvalidOperationException(
                    $"Keys:GatewayCertificates: the key {shared} is also in Keys:Certificates; the gateway set needs keys of its own.");
            }
        }

        // Keys already loaded keep their credentials: no decryption every refresh, and OpenIddict sees the same objects.
        var known = previous?.SigningKeys.Where(k => k.Scheduled).ToDictionary(k => k.Kid, k => k.Credentials, StringComparer.Ordinal) ?? [];

        // The key that signs now comes first, for OpenIddict's own pick (it is pinned per token anyway).
        foreach (var key in published.OrderByDescending(k => k.IsSigningAt(now)).ThenByDescending(k => k.ActivatesAt))
        {
            if (key.Use == SigningKey.EncryptionUse)
            {
                encryption.Add(factory.ToEncryptingCredentials(key));
            }
            else if (keyOptions.Source == KeySource.Database)
            {
                var credentials = known.TryGetValue(key.Id, out var loaded) ? loaded : factory.ToSigningCredentials(key);
                signing.Add(new PublishedKey(credentials, ToInfo(key, now), Scheduled: true));
            }
        }

        foreach (var set in SigningKey.Sets)
        {
            if (!signing.Any(k => k.Set == set))
            {
                throw new InvalidOperationException($"No {set} signing key is available: check the Keys settings.");
            }
        }

        return new KeyRingSnapshot(signing, encryption);
    }

    /// <summary>The certificate files of both sets: <c>Keys:Certificates</c> (general) and <c>Keys:GatewayCertificates</c>.</summary>
    private static IEnumerable<(SigningCredentials Credentials, KeyInfo Info)> LoadCertificates(KeyOptions keyOptions)
        => LoadCertificates(keyOptions.Certificates, SigningKey.GeneralSet, "Keys:Certificates", keyOptions.Algorithm)
            .Concat(LoadCertificates(keyOptions.GatewayCertificates, SigningKey.GatewaySet, "Keys:GatewayCertificates", keyOptions.Algorithm));

    private static IEnumerable<(SigningCredentials Credentials, KeyInfo Info)> LoadCertificates(
        IEnumerable<CertificateFileOptions> files, string set, string setting, string algorithm)
    {
        foreach (var file in files)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(file.Path, file.Password, X509KeyStorageFlags.EphemeralKeySet);
            var rsa = certificate.GetRSAPrivateKey()
                ?? throw new InvalidOperationException($"{setting}: '{file.Path}' has no RSA private key; the gateway accepts RSA keys only.");

            // The gateway's JWT library (jjwt) rejects RSA keys under 2,048 bits (RFC 7518 §3.3 asks for at least that).
            if (rsa.KeySize < MinimumRsaKeySize)
            {
                throw new InvalidOperationException($"{setting}: '{file.Path}' holds an RSA-{rsa.KeySize} key; signing keys need at least {MinimumRsaKeySize} bits.");
            }

            var key = new RsaSecurityKey(rsa);
            key.KeyId = SigningKeyFactory.Thumbprint(new RsaSecurityKey(rsa.ExportParameters(false)));
            var info = new KeyInfo(key.KeyId, KeySchedule.Active, SigningKey.SignatureUse, set, algorithm, rsa.KeySize, "file:" + file.Path,
                certificate.NotBefore.ToUniversalTime(), certificate.NotBefore.ToUniversalTime(), null, certificate.NotAfter.ToUniversalTime());
            yield return (new SigningCredentials(key, SigningKeyFactory.ToSecurityAlgorithm(algorithm)), info);
        }
    }

    /// <summary>RFC 7518 §3.3, and what jjwt inside API ML enforces.</summary>
    public const int MinimumRsaKeySize = 2048;
}
