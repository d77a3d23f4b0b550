using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdP.Server.Keys;

/// <summary>
/// How the ASP.NET Core Data Protection key ring is protected at rest. Bound from the <c>DataProtection</c> section.
/// </summary>
/// <remarks>
/// The key ring lives in the database so that every instance shares it, and it protects everything else that is
/// encrypted there (TOTP seeds, the signing keys' private parts, cookies). Without a certificate, whoever reads the
/// database (or a backup) can decrypt all of that. With one, the key ring is encrypted to the certificate's RSA key,
/// which lives outside the database: a stolen backup alone no longer yields the signing keys.
/// </remarks>
public sealed class KeyRingProtectionOptions : IValidatableObject
{
    public const string SectionName = "DataProtection";

    /// <summary>A PKCS#12 file with an RSA key pair; new Data Protection keys are encrypted to it. Null: not encrypted.</summary>
    public CertificateFileOptions? Certificate { get; set; }

    /// <summary>Older certificates, still able to decrypt keys encrypted before a certificate change.</summary>
    public CertificateFileOptions[]? PreviousCertificates { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var files = new List<(string Setting, CertificateFileOptions File)>();
        if (Certificate is not null)
        {
            files.Add(($"{SectionName}:Certificate", Certificate));
        }

        for (var i = 0; i < (PreviousCertificates?.Length ?? 0); i++)
        {
            files.Add(($"{SectionName}:PreviousCertificates:{i}", PreviousCertificates![i]));
        }

        foreach (var (setting, file) in files)
        {
            string? problem = null;
            try
            {
                using var certificate = Load(file);
                using var key = certificate.GetRSAPrivateKey();
                if (key is null)
                {
                    problem = "has no RSA private key";
                }
            }
            catch (CryptographicException exception)
            {
                problem = $"cannot be read ({exception.Message.TrimEnd('.')}); check the path and the password";
            }
            catch (IOException exception)
            {
                problem = $"cannot be read ({exception.Message.TrimEnd('.')})";
            }
            catch (UnauthorizedAccessException)
            {
                problem = "cannot be read (permission denied)";
            }

            if (problem is not null)
            {
                yield return new ValidationResult($"{setting}:Path '{file.Path}' {problem}.", [nameof(Certificate)]);
            }
        }
    }

    internal static X509Certificate2 Load(CertificateFileOptions file)
        => X509CertificateLoader.LoadPkcs12FromFile(file.Path, file.Password, X509KeyStorageFlags.EphemeralKeySet);
}
