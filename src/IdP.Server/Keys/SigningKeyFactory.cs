using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Keys;

/// <summary>Creates keys and turns stored rows back into credentials: the only code that sees private material.</summary>
public sealed class SigningKeyFactory(IDataProtectionProvider dataProtection)
{
    private const string ProtectorPurpose = "IdP.Keys.SigningKey.v1";

    /// <summary>A new RSA signing key that is published from <paramref name="createdAt"/> and signs from <paramref name="activatesAt"/>.</summary>
    public SigningKey CreateRsaKey(string algorithm, int size, DateTimeOffset createdAt, DateTimeOffset activatesAt, string set)
    {
        using var rsa = RSA.Create(size);
        return new SigningKey
        {
            Id = Thumbprint(new RsaSecurityKey(rsa.ExportParameters(false))),
            Use = SigningKey.SignatureUse,
            Set = set,
            Algorithm = algorithm,
            KeySize = size,
            ProtectedKeyMaterial = Protect(rsa.ExportPkcs8PrivateKey()),
            CreatedAt = createdAt,
            ActivatesAt = activatesAt,
        };
    }

    public SigningKey CreateEncryptionKey(DateTimeOffset now) => new()
    {
        Id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
        Use = SigningKey.EncryptionUse,
        Algorithm = SecurityAlgorithms.Aes256KW,
        KeySize = 256,
        ProtectedKeyMaterial = Protect(RandomNumberGenerator.GetBytes(32)),
        CreatedAt = now,
        ActivatesAt = now,
    };

    public SigningCredentials ToSigningCredentials(SigningKey key)
    {
        var rsa = RSA.Create();
        var material = Unprotect(key.ProtectedKeyMaterial);
        try
        {
            rsa.ImportPkcs8PrivateKey(material, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }

        return new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = key.Id }, ToSecurityAlgorithm(key.Algorithm));
    }

    public EncryptingCredentials ToEncryptingCredentials(SigningKey key)
    {
        var symmetric = new SymmetricSecurityKey(Unprotect(key.ProtectedKeyMaterial)) { KeyId = key.Id };
        return new EncryptingCredentials(symmetric, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512);
    }

    /// <summary>
    /// The HMAC key that signs the tokens only IdP reads (authorization codes, refresh tokens, device and user codes),
    /// derived from a token encryption key with HKDF (RFC 5869) under a label of its own, so the two uses never share
    /// a key. Those tokens are encrypted to IdP and verified by IdP alone: an RSA signature proves nothing more there,
    /// costs two of the four RSA signatures of a sign-in, and HMAC-SHA256 with a 256-bit key is the stronger of the two.
    /// It rotates, persists and is shared between instances with the encryption key it comes from, and is never
    /// published: the JWKS lists asymmetric keys only, and access and ID tokens are always signed with the RSA key.
    /// </summary>
    public static SigningCredentials ToInternalSigningCredentials(EncryptingCredentials encryption)
    {
        var encryptionKey = (SymmetricSecurityKey)encryption.Key;
        var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, encryptionKey.Key, outputLength: 32, salt: [], info: InternalSigningLabel);
        return new SigningCredentials(new SymmetricSecurityKey(derived) { KeyId = encryptionKey.KeyId + ".hs256" }, SecurityAlgorithms.HmacSha256);
    }

    private static readonly byte[] InternalSigningLabel = "IdP internal token signing v1"u8.ToArray();

    public static string ToSecurityAlgorithm(string algorithm) => algorithm switch
    {
        "RS256" => SecurityAlgorithms.RsaSha256,
        "PS256" => SecurityAlgorithms.RsaSsaPssSha256,
        _ => throw new InvalidOperationException($"Unsupported signing algorithm '{algorithm}'."),
    };

    /// <summary>RFC 7638 §3: the base64url SHA-256 thumbprint of the public JWK, used as the <c>kid</c>.</summary>
    public static string Thumbprint(RsaSecurityKey publicKey)
        => Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey).ComputeJwkThumbprint());

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

    private byte[] Unprotect(string protectedMaterial)
        => Convert.FromBase64String(dataProtection.CreateProtector(ProtectorPurpose).Unprotect(protectedMaterial));
}
