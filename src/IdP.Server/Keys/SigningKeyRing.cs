using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdP.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Keys;

/// <summary>A key as the administrator sees it (<c>idp keys list</c>): no private material.</summary>
public sealed record KeyInfo(
    string Kid, string Use, string Algorithm, int KeySize, string Source,
    DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, DateTimeOffset? RetiresAt, DateTimeOffset? ExpiresAt);

/// <summary>The keys in force at one moment: what OpenIddict signs and encrypts with and publishes.</summary>
public sealed record KeyRingSnapshot(
    IReadOnlyList<SigningCredentials> Signing,
    IReadOnlyList<EncryptingCredentials> Encryption,
    IReadOnlyList<KeyInfo> Keys);

/// <summary>
/// Loads IdP's persistent token keys: generated RSA keys stored in the database under Data Protection, or
/// PKCS#12 files. Never development certificates or ephemeral keys: tokens must verify across restarts.
/// </summary>
/// <remarks>
/// Note: the ring keeps an immutable snapshot so that a later rotation can swap it atomically; the key
/// dates (<see cref="SigningKey.ActivatesAt"/>, <see cref="SigningKey.ExpiresAt"/>) already carry a schedule.
/// </remarks>
public sealed class SigningKeyRing(
    IServiceScopeFactory scopeFactory,
    IDataProtectionProvider dataProtection,
    IOptions<KeyOptions> options,
    TimeProvider time,
    ILogger<SigningKeyRing> logger)
{
    private const string ProtectorPurpose = "IdP.Keys.SigningKey.v1";
    private volatile KeyRingSnapshot? _snapshot;

    public KeyRingSnapshot Current => _snapshot
        ?? throw new InvalidOperationException("The key ring was read before start-up loaded it.");

    /// <summary>Creates the first keys if the database has none, then loads the ring.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var keyOptions = options.Value;
        var now = time.GetUtcNow();

        var stored = await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);

        if (keyOptions.Source == KeySource.Database &&
            !stored.Any(k => k.Use == SigningKey.SignatureUse && k.Algorithm == keyOptions.Algorithm && IsSigning(k, now)))
        {
            var key = CreateRsaKey(keyOptions.Algorithm, keyOptions.RsaKeySize, now);
            db.SigningKeys.Add(key);
            stored.Add(key);
            logger.LogInformation("Generated signing key {Kid} ({Algorithm}, RSA-{Size})", key.Id, key.Algorithm, key.KeySize);
        }

        // Authorization codes, refresh tokens and device codes are encrypted (they are only read by IdP itself).
        if (!stored.Any(k => k.Use == SigningKey.EncryptionUse && IsSigning(k, now)))
        {
            var key = CreateEncryptionKey(now);
            db.SigningKeys.Add(key);
            stored.Add(key);
            logger.LogInformation("Generated token encryption key {Kid}", key.Id);
        }

        await db.SaveChangesAsync(cancellationToken);
        _snapshot = BuildSnapshot(stored, keyOptions, now);
    }

    /// <summary>All keys, for <c>idp keys list</c>, without loading any private material into OpenIddict.</summary>
    public async Task<IReadOnlyList<KeyInfo>> ListAsync(IdpDbContext db, CancellationToken cancellationToken = default)
    {
        var keys = (await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken))
            .Where(k => options.Value.Source == KeySource.Database || k.Use == SigningKey.EncryptionUse)
            .Select(k => new KeyInfo(k.Id, k.Use, k.Algorithm, k.KeySize, "database", k.CreatedAt, k.ActivatesAt, k.RetiresAt, k.ExpiresAt))
            .ToList();

        if (options.Value.Source == KeySource.Certificates)
        {
            keys.AddRange(LoadCertificates(options.Value).Select(c => c.Info));
        }

        return [.. keys.OrderBy(k => k.Use).ThenByDescending(k => k.ActivatesAt)];
    }

    private KeyRingSnapshot BuildSnapshot(IReadOnlyList<SigningKey> stored, KeyOptions keyOptions, DateTimeOffset now)
    {
        var protector = dataProtection.CreateProtector(ProtectorPurpose);
        var signing = new List<SigningCredentials>();
        var encryption = new List<EncryptingCredentials>();
        var infos = new List<KeyInfo>();

        if (keyOptions.Source == KeySource.Certificates)
        {
            foreach (var (credentials, info) in LoadCertificates(keyOptions))
            {
                signing.Add(credentials);
                infos.Add(info);
            }
        }

        // The key that signs now comes first: OpenIddict signs with the first usable credentials.
        foreach (var key in stored.Where(k => IsPublished(k, now)).OrderByDescending(k => IsSigning(k, now)).ThenByDescending(k => k.ActivatesAt))
        {
            var material = Convert.FromBase64String(protector.Unprotect(key.ProtectedKeyMaterial));
            if (key.Use == SigningKey.SignatureUse)
            {
                if (keyOptions.Source != KeySource.Database)
                {
                    continue;
                }

                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(material, out _);
                signing.Add(new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = key.Id }, ToSecurityAlgorithm(key.Algorithm)));
            }
            else
            {
                var symmetric = new SymmetricSecurityKey(material) { KeyId = key.Id };
                encryption.Add(new EncryptingCredentials(symmetric, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
            }

            infos.Add(new KeyInfo(key.Id, key.Use, key.Algorithm, key.KeySize, "database", key.CreatedAt, key.ActivatesAt, key.RetiresAt, key.ExpiresAt));
        }

        if (signing.Count == 0)
        {
            throw new InvalidOperationException("No signing key is available: check the Keys settings.");
        }

        return new KeyRingSnapshot(signing, encryption, infos);
    }

    private SigningKey CreateRsaKey(string algorithm, int size, DateTimeOffset now)
    {
        using var rsa = RSA.Create(size);
        var kid = Thumbprint(new RsaSecurityKey(rsa.ExportParameters(false)));
        return new SigningKey
        {
            Id = kid,
            Use = SigningKey.SignatureUse,
            Algorithm = algorithm,
            KeySize = size,
            ProtectedKeyMaterial = Protect(rsa.ExportPkcs8PrivateKey()),
            CreatedAt = now,
            ActivatesAt = now,
        };
    }

    private SigningKey CreateEncryptionKey(DateTimeOffset now)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        return new SigningKey
        {
            Id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            Use = SigningKey.EncryptionUse,
            Algorithm = SecurityAlgorithms.Aes256KW,
            KeySize = 256,
            ProtectedKeyMaterial = Protect(material),
            CreatedAt = now,
            ActivatesAt = now,
        };
    }

    private string Protect(byte[] material)
    {
        try
        {
            return dataProtection.CreateProtector(ProtectorPurpose).Protect(Convert.ToBase64String(material));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static IEnumerable<(SigningCredentials Credentials, KeyInfo Info)> LoadCertificates(KeyOptions keyOptions)
    {
        foreach (var file in keyOptions.Certificates)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(file.Path, file.Password, X509KeyStorageFlags.EphemeralKeySet);
            var rsa = certificate.GetRSAPrivateKey()
                ?? throw new InvalidOperationException($"Keys:Certificates: '{file.Path}' has no RSA private key; the gateway accepts RSA keys only.");
            var key = new RsaSecurityKey(rsa);
            key.KeyId = Thumbprint(new RsaSecurityKey(rsa.ExportParameters(false)));
            var info = new KeyInfo(key.KeyId, SigningKey.SignatureUse, keyOptions.Algorithm, rsa.KeySize, "file:" + file.Path,
                certificate.NotBefore.ToUniversalTime(), certificate.NotBefore.ToUniversalTime(), null, certificate.NotAfter.ToUniversalTime());
            yield return (new SigningCredentials(key, ToSecurityAlgorithm(keyOptions.Algorithm)), info);
        }
    }

    private static bool IsSigning(SigningKey key, DateTimeOffset now)
        => key.ActivatesAt <= now && (key.RetiresAt is null || key.RetiresAt > now);

    private static bool IsPublished(SigningKey key, DateTimeOffset now)
        => key.ExpiresAt is null || key.ExpiresAt > now;

    private static string ToSecurityAlgorithm(string algorithm) => algorithm switch
    {
        "RS256" => SecurityAlgorithms.RsaSha256,
        "PS256" => SecurityAlgorithms.RsaSsaPssSha256,
        _ => throw new InvalidOperationException($"Unsupported signing algorithm '{algorithm}'."),
    };

    /// <summary>RFC 7638 §3: the base64url SHA-256 thumbprint of the public JWK, used as the <c>kid</c>.</summary>
    private static string Thumbprint(RsaSecurityKey publicKey)
        => Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey).ComputeJwkThumbprint());
}
